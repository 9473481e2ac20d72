/**
 * A worker thread that dies (it exits, or throws outside any task) fails the job, which restarts
 * from its latest checkpoint on fresh threads: nothing lost, nothing doubled, never a hang.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { startChildJob } from '../support/child-job.ts';
import { readCommitted } from '../support/file-sink-output.ts';
import { expectedCounts, type Counted } from '../support/keyed-count.ts';
import { tempDirs } from '../support/temp-dirs.ts';

const JOB = fileURLToPath(new URL('./jobs/dies-once-job.ts', import.meta.url));
const COUNT = 20_000;

const dirs = tempDirs('weir-thread-dies-');
afterAll(() => dirs.cleanup());

describe('a worker thread that dies', () => {
  it.each([
    ['exits (process.exit in the thread)', 'exit', /worker thread \d exited \(code 7\) while its tasks were running/],
    ['throws outside any task', 'throw', /worker thread \d failed: thrown outside any task/],
  ])('%s: the job restarts from its checkpoint, and the output is exact', async (_what, die, logged) => {
    const root = await dirs.make();
    const job = startChildJob(JOB, {
      CK_DIR: join(root, 'ck'),
      OUT_DIR: join(root, 'out'),
      MARKER: join(root, 'died'),
      DIE: die,
      DIE_AT: '8000',
      COUNT: String(COUNT),
    });
    expect(await job.exited, job.stderr()).toBe(0);
    expect(job.stderr()).toMatch(logged);
    expect(job.stderr()).toMatch(/"restarts":1/);
    const out = (await readCommitted<Counted>(join(root, 'out'))).sort((a, b) => a.i - b.i);
    expect(out).toEqual(expectedCounts(COUNT, 20));
  }, 120_000);
});
