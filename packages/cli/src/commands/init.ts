import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { parseArgs } from '../args/parse-args.ts';
import { CliError } from '../errors.ts';
import { ScaffoldConflictError, scaffold, type ScaffoldResult } from '../init/scaffold.ts';
import type { Command } from './command.ts';

const USAGE = `usage: weir init [DIR]

Writes a Weir project into DIR (default: the current directory; created if missing):
  package.json          "type": "module"; scripts start (type-check, then run the example job),
                        test (vitest) and typecheck (tsc --noEmit); @weir/core and @weir/cli,
                        typescript, vitest and @types/node when missing
  tsconfig.json         strict, ES modules (NodeNext), type-check only
  jobs/example.ts       a checkpointing generator job (reading Redis shown in a comment)
  test/example.test.ts  its logic run on a bounded input with executeAndCollect
  .gitignore            node_modules/, dist/, checkpoints/, .weir/
An existing package.json is completed, not replaced. If any other of these files exists, or
package.json has a script of the same name, nothing is written and the conflicts are listed.`;

/** The version of this package, which is that of every @weir package (they are released in step). */
function weirVersion(): string {
  // src/commands/ and dist/commands/ are both two levels below the package root.
  const manifest = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return manifest.version;
}

export const initCommand: Command = {
  name: 'init',
  summary: 'write a new project: an example job and its test, tsconfig.json, package.json scripts',
  usage: USAGE,
  async run(args) {
    const { positionals } = parseArgs(args, {}, ['DIR?']);
    const directory = positionals[0] ?? '.';
    let result: ScaffoldResult;
    try {
      result = await scaffold(directory, { weirVersion: weirVersion(), nodeMajor: Number(process.versions.node.split('.')[0]) });
    } catch (e) {
      if (e instanceof ScaffoldConflictError) {
        throw new CliError(`init would overwrite what is there, so nothing was written:\n${e.conflicts.map((c) => `  ${c}`).join('\n')}`, 2, { cause: e });
      }
      throw e;
    }
    process.stdout.write(`${describe(result)}\n`);
    return 0;
  },
};

function describe(result: ScaffoldResult): string {
  const where = relative(process.cwd(), result.directory);
  const width = Math.max(...result.written.map((p) => p.length));
  const files = result.written.map((p) => (p === 'package.json' ? `  ${p.padEnd(width)}  ${result.packageJsonChanges.join('; ')}` : `  ${p}`));
  const steps = [
    ...(where === '' ? [] : [`  cd ${where}`]),
    '  npm install                        # the dependencies package.json names',
    '  npm start                          # type-checks, then runs jobs/example.ts (weir run)',
    '  npm test                           # runs test/example.test.ts (vitest)',
    '  npm run typecheck                  # tsc --noEmit, as npm start does first',
  ];
  return `Weir project written in ${where === '' ? 'the current directory' : where}:\n${files.join('\n')}\n\nNext steps:\n${steps.join('\n')}`;
}
