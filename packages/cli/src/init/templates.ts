/**
 * The files `weir init` writes besides package.json, as text: the least a TypeScript project with
 * a Weir job needs, each a file the user owns and edits (the shape of `npm init vite` templates).
 */

/** `jobs/example.ts`: a checkpointing generator job, its logic apart from its source and sink. */
export const EXAMPLE_JOB = `/**
 * An example job: the numbers 0 to 49 from a generator (25 a second), a running sum per parity kept
 * in keyed state, printed as it changes. It checkpoints every second to ./checkpoints/example: stop
 * it at any moment (Ctrl-C, or kill -9) and run it again, and it resumes from its latest checkpoint
 * (after a run that finished, there is nothing left to do: --fresh starts over).
 *
 *   npm start                               # type-checks, then: weir run jobs/example.ts
 *   npx weir run jobs/example.ts --fresh    # forgets the checkpoints and starts over
 */
import { generatorSource, printSink, type DataStream, type StreamEnvironment } from '@weir/core';
// To read a Redis stream instead (npm install @weir/redis), replace the generator source with
//   import { redisStreamSource } from '@weir/redis';
//   redisStreamSource<number>({ redis: 'redis://localhost:6379', streams: ['numbers'], format: 'json', startAt: 'earliest' })
// and add numbers with: redis-cli XADD numbers '*' value 42

/** The running sum of the numbers of one parity. */
export interface ParitySum {
  readonly parity: 'even' | 'odd';
  readonly sum: number;
}

/** The job's logic, apart from its source and sink: test/example.test.ts runs it on its own input. */
export function sumByParity(numbers: DataStream<number>): DataStream<ParitySum> {
  return numbers
    .map((n): ParitySum => ({ parity: n % 2 === 0 ? 'even' : 'odd', sum: n }))
    .keyBy((s) => s.parity)
    .reduce((a, b) => ({ parity: a.parity, sum: a.sum + b.sum }))
    .uid('sum-by-parity');
}

/** What \`weir run\` calls: defines the job on the environment it is given. */
export default function job(env: StreamEnvironment): void {
  env.enableCheckpointing(1000);
  const numbers = env.fromSource(generatorSource({ count: 50, ratePerSecond: 25, generate: (i) => i })).uid('numbers');
  sumByParity(numbers).sinkTo(printSink()).uid('print');
}
`;

/** `test/example.test.ts`: the example job's logic on a bounded input, its output collected. */
export const EXAMPLE_TEST = `import { executeAndCollect } from '@weir/core';
import { describe, expect, it } from 'vitest';
import { sumByParity } from '../jobs/example.ts';

describe('sumByParity', () => {
  it('keeps a running sum per parity', async () => {
    const out = await executeAndCollect((env) => sumByParity(env.fromCollection([1, 2, 3, 4, 5])));
    expect(out).toEqual([
      { parity: 'odd', sum: 1 },
      { parity: 'even', sum: 2 },
      { parity: 'odd', sum: 4 },
      { parity: 'even', sum: 6 },
      { parity: 'odd', sum: 9 },
    ]);
  });
});
`;

/**
 * `tsconfig.json`: strict, ES modules as Node runs them. Type-check only (`noEmit`): job files run
 * as TypeScript, so imports name the `.ts` files.
 */
export const TSCONFIG = `{
  "compilerOptions": {
    "target": "ES2022",
    "module": "NodeNext",
    "moduleResolution": "NodeNext",
    "lib": ["ES2023"],
    "types": ["node"],
    "strict": true,
    "noUnusedLocals": true,
    "noFallthroughCasesInSwitch": true,
    "verbatimModuleSyntax": true,
    "isolatedModules": true,
    "allowImportingTsExtensions": true,
    "noEmit": true,
    "skipLibCheck": true
  }
}
`;

/** `.gitignore`: checkpoints, control files of running jobs, dependencies and build output. */
export const GITIGNORE = `node_modules/
dist/
checkpoints/
.weir/
`;

/** The files above by path (relative to the project), in the order they are listed. */
export const TEMPLATE_FILES: ReadonlyArray<readonly [path: string, text: string]> = [
  ['tsconfig.json', TSCONFIG],
  ['jobs/example.ts', EXAMPLE_JOB],
  ['test/example.test.ts', EXAMPLE_TEST],
  ['.gitignore', GITIGNORE],
];
