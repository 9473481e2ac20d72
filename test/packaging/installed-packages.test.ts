/**
 * Weir used from a project of one's own, as the README tells a newcomer: the packages packed and
 * installed from their tarballs into a project outside the repository, `npx weir init`, the
 * scaffolded job run with `npx weir run`, its test with `npm test`; and a job file of that project
 * using @weir/core and @weir/redis killed with SIGKILL and resumed, exactly once.
 */
import { readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readOutputStream } from '../support/redis-crash.ts';
import { expectedCounts } from '../support/keyed-count.ts';
import { startRedis, type TestRedis } from '../support/redis-server.ts';
import { NPM_INSTALL, REPO, installWeir, ok, run, start, type InstalledProject } from './installed-project.ts';

let project: InstalledProject;
let redis: TestRedis | undefined;

beforeAll(async () => {
  project = await installWeir();
  expect(project.dir.startsWith(REPO)).toBe(false);
}, 300_000);

afterAll(async () => {
  await redis?.stop();
  await project?.cleanup();
});

describe('Weir installed from its tarballs into a project of its own', () => {
  it('weir init writes a project that type-checks, whose job runs and whose test passes', async () => {
    const { dir } = project;
    const init = await ok(dir, 'npx', ['weir', 'init']);
    expect(init.stdout).toMatch(/Next steps:[\s\S]*npm install[\s\S]*npm start/);
    const manifest = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8')) as { type: string; scripts: Record<string, string> };
    expect(manifest.type).toBe('module');
    expect(Object.keys(manifest.scripts).sort()).toEqual(['start', 'test', 'typecheck']);

    const again = await run(dir, 'npx', ['weir', 'init']);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/nothing was written[\s\S]*tsconfig\.json exists[\s\S]*jobs\/example\.ts exists/);

    await ok(dir, 'npm', NPM_INSTALL);

    const job = await ok(dir, 'npx', ['weir', 'run', 'jobs/example.ts']);
    const sums = job.stdout.trim().split('\n').map((l) => JSON.parse(l) as { parity: string; sum: number });
    expect(sums).toHaveLength(50);
    expect(sums.filter((s) => s.parity === 'even').at(-1)?.sum).toBe(600); // 0 + 2 + … + 48
    expect(sums.filter((s) => s.parity === 'odd').at(-1)?.sum).toBe(625); // 1 + 3 + … + 49
    expect(job.stderr).toMatch(/job 'example' finished/);

    const test = await ok(dir, 'npm', ['test']);
    expect(test.stdout).toMatch(/1 passed/);

    // `npm start` type-checks the whole project first: the scaffold is clean, a type error stops the run.
    await writeFile(join(dir, 'jobs', 'broken.ts'), "export const n: number = 'one';\n");
    const broken = await run(dir, 'npm', ['start']);
    await rm(join(dir, 'jobs', 'broken.ts'));
    const errors = (broken.stdout + broken.stderr).split('\n').filter((l) => / error TS\d+/.test(l));
    expect(broken.code).not.toBe(0);
    expect(errors, broken.stdout).toEqual([expect.stringMatching(/^jobs\/broken\.ts\(1,14\): error TS2322/)]);
    expect(broken.stderr).not.toMatch(/control endpoint/);
  }, 300_000);

  it('runs a job file of the project on @weir/core and @weir/redis, killed with SIGKILL and resumed exactly once', async () => {
    const { dir } = project;
    redis = await startRedis();
    const count = 3000;
    const keys = 7;
    await mkdir(join(dir, 'counting'));
    await writeFile(join(dir, 'counting', 'package.json'), '{ "type": "module", "private": true }\n');
    await writeFile(join(dir, 'counting', 'count-job.ts'), countJob(count, keys));
    const weir = join(dir, 'node_modules', '@weir', 'cli', 'bin', 'weir.js');
    const env = { REDIS_URL: redis.url };

    // First run: killed once two checkpoints are complete, long before its input ends.
    const first = start(dir, process.execPath, [weir, 'run', 'counting/count-job.ts'], env);
    let log = '';
    const completed = new Promise<void>((resolve) => {
      first.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
        log += chunk;
        if ((log.match(/"checkpoint completed"/g) ?? []).length >= 2) resolve();
      });
    });
    const exited = new Promise<number | string>((resolve) => first.on('exit', (code, signal) => resolve(signal ?? code ?? -1)));
    const outcome = await Promise.race([completed.then(() => 'checkpointed' as const), exited.then(() => 'exited' as const)]);
    expect(outcome, `the first run ended before two checkpoints:\n${log}`).toBe('checkpointed');
    first.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');

    const client = redis.client();
    try {
      const beforeResume = await client.xlen('counts');
      expect(beforeResume).toBeLessThan(count);
      // Second run, the same command: resumes from the latest checkpoint and finishes.
      const second = await run(dir, process.execPath, [weir, 'run', 'counting/count-job.ts'], env);
      expect(second.code, second.stderr.slice(-3000)).toBe(0);
      expect(second.stderr).toMatch(/restoring from checkpoint \d+/);
      expect(await readOutputStream(client, 'counts')).toEqual(expectedCounts(count, keys));
    } finally {
      client.disconnect();
    }
  }, 120_000);
});

/**
 * A job file as a user writes one: a generator, a count per key in keyed state, the exactly-once
 * Redis stream sink (its Lua scripts read from the installed package), checkpoints every 100 ms.
 */
function countJob(count: number, keys: number): string {
  return `import { generatorSource, type StreamEnvironment } from '@weir/core';
import { redisStreamSink } from '@weir/redis';

interface Counted {
  readonly k: string;
  readonly n: number;
  readonly i: number;
}

export default function job(env: StreamEnvironment): void {
  env.enableCheckpointing(100);
  env
    .fromSource(generatorSource({ count: ${count}, ratePerSecond: 1500, generate: (i): Counted => ({ k: 'k' + (i % ${keys}), n: 1, i }) }))
    .uid('numbers')
    .keyBy((c) => c.k)
    .reduce((a, b): Counted => ({ k: a.k, n: a.n + b.n, i: b.i }))
    .uid('count')
    .sinkTo(redisStreamSink<Counted>({ redis: process.env.REDIS_URL!, stream: 'counts', exactlyOnce: true }))
    .uid('sink');
}
`;
}
