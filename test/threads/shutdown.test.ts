/**
 * The end of a job on worker threads: once its tasks have finished, each thread exits on its own
 * (nothing it opened, such as the MessagePorts of its channels, keeps it alive), rather than being
 * terminated after the pool's wait. And the process's V8 options (which Node refuses in a worker's
 * execArgv) do not stop the threads from starting: they start without them, and the log says so.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { startChildJob } from '../support/child-job.ts';
import { readCommitted } from '../support/file-sink-output.ts';
import { expectedCounts, type Counted } from '../support/keyed-count.ts';
import { tempDirs } from '../support/temp-dirs.ts';

const JOB = fileURLToPath(new URL('./jobs/bounded-job.ts', import.meta.url));
const COUNT = 5_000;

const dirs = tempDirs('weir-thread-shutdown-');
afterAll(() => dirs.cleanup());

describe('a bounded job on worker threads', () => {
  it.each([
    ['with no Node options', [], false],
    ['with V8 options on the command line', ['--max-semi-space-size=32', '--stack-trace-limit=20'], false],
    // As in an installed project: the threads import the bundle before tsx, then the job file.
    ['on built Weir (dist/bundle.js)', [], true],
  ])('%s: ends, its threads exit on their own, and the output is exact', async (_what, nodeArgs, built) => {
    const root = await dirs.make();
    // A thread kept alive never exits: a long wait makes a loaded machine no reason to fail.
    const env = { CK_DIR: join(root, 'ck'), OUT_DIR: join(root, 'out'), COUNT: String(COUNT), WEIR_WORKER_EXIT_WAIT_MS: '10000' };
    const job = startChildJob(JOB, env, nodeArgs, { built });
    expect(await job.exited, job.stderr()).toBe(0);
    expect(job.stderr()).toMatch(/running the subtasks on 2 worker threads/);
    expect(job.stderr()).not.toMatch(/did not exit within/);
    // What the threads start without is said once, not per thread.
    const dropped = job.stderr().match(/worker threads start without [^:"]*/g) ?? [];
    expect(dropped).toEqual(nodeArgs.length === 0 ? [] : [expect.stringContaining('--max-semi-space-size=32')]);
    const out = (await readCommitted<Counted>(join(root, 'out'))).sort((a, b) => a.i - b.i);
    expect(out).toEqual(expectedCounts(COUNT, 20));
    // Which Weir the threads preloaded, if any (the sources are not: tsx must load them).
    expect(job.stderr()).toMatch(built ? /"preload":"file:[^"]*\/packages\/core\/dist\/bundle\.js"/ : /"preload":null/);
  }, 60_000);
});
