import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { killPointOf, restoredFromCheckpoint, startChildJob } from '../support/child-job.ts';
import { readCommitted } from '../support/file-sink-output.ts';
import { crashSeed, crashTimeout, killCount, seededRandom } from '../support/seeded-random.ts';
import { expectedCounts, countedKey } from '../support/keyed-count.ts';
import { tempDirs } from '../support/temp-dirs.ts';

const JOB = fileURLToPath(new URL('./jobs/keyed-count-job.ts', import.meta.url));

interface Out {
  k: string;
  n: number;
  i: number;
}

/** The output of an uninterrupted run, computed: record i of key k is the n-th of its key. */
function expectedOutput(count: number, keys: number): string[] {
  return expectedCounts(count, keys).map(countedKey).sort();
}

const dirs = tempDirs('weir-crash-');
afterAll(() => dirs.cleanup());

describe('a keyed count killed with SIGKILL at random moments', () => {
  it.each([
    // The count as objects at p=1, and as columns (columnsFrom 0: from the first checkpoint) at p=2.
    { parallelism: 1, kills: killCount(12), state: 'objects', columnsFrom: 'Infinity' },
    { parallelism: 2, kills: killCount(10), state: 'columns', columnsFrom: '0' },
  ])(
    'produces exactly the output of an uninterrupted run at parallelism $parallelism, state as $state ($kills kills)',
    async ({ parallelism, kills, columnsFrom }) => {
      const seed = crashSeed(`keyed-count p=${parallelism}`);
      const random = seededRandom(seed);
      const root = await dirs.make();
      const count = 40_000;
      const keys = 200;
      const env = {
        CK_DIR: join(root, 'ck'),
        OUT_DIR: join(root, 'out'),
        COUNT: String(count),
        KEYS: String(keys),
        RATE: '20000',
        PARALLELISM: String(parallelism),
        INTERVAL: '100',
        COLUMNS_FROM: columnsFrom,
      };
      let killed = 0;
      let restored = 0;
      const log: string[] = [];
      while (killed < kills) {
        const job = startChildJob(JOB, env);
        const kill = killPointOf(job, random, killed === 0);
        const outcome = await Promise.race([kill.due.then(() => 'kill' as const), job.exited.then(() => 'exited' as const)]);
        if (outcome === 'exited') {
          const code = await job.exited;
          if (code !== 0) throw new Error(`child exited with ${code} before the kill:\n${job.stderr()}`);
          if (restoredFromCheckpoint(job)) restored++;
          break; // finished before we could kill it: the output must already be complete
        }
        job.kill();
        await job.exited;
        killed++;
        if (restoredFromCheckpoint(job)) restored++;
        log.push(kill.description);
      }
      const last = startChildJob(JOB, env);
      const code = await last.exited;
      expect(code, `final run failed:\n${last.stderr()}`).toBe(0);
      if (restoredFromCheckpoint(last)) restored++;

      const output = await readCommitted<Out>(env.OUT_DIR);
      const actual = output.map((o) => `${o.k}:${o.n}:${o.i}`).sort();
      const expected = expectedOutput(count, keys);
      // Record by record: nothing lost, nothing doubled.
      expect(actual.length, `seed ${seed}; kills: ${log.join(', ')}`).toBe(expected.length);
      expect(actual).toEqual(expected);
      expect(killed).toBeGreaterThan(0);
      // Runs restored from checkpoints (a test whose every run started afresh would prove little).
      expect(restored, `seed ${seed}; kills: ${log.join(', ')}`).toBeGreaterThan(0);
      // No orphan stages left once the job finished.
      expect(await readdir(join(env.OUT_DIR, '.staging'))).toEqual([]);
    },
    crashTimeout(killCount(12)),
  );
});
