import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { startChildJob } from '../support/child-job.ts';
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
      const log: string[] = [];
      while (killed < kills) {
        const job = startChildJob(JOB, env);
        // Half the kills land at a random moment, half just after a checkpoint was triggered
        // (while snapshots are written and the metadata is finalized).
        const duringCheckpoint = random() < 0.5;
        const delay = duringCheckpoint ? Math.floor(random() * 15) : 200 + Math.floor(random() * 1200);
        const killPoint = duringCheckpoint
          ? job.waitFor(/checkpoint triggered/).then(() => new Promise((r) => setTimeout(r, delay)))
          : new Promise((r) => setTimeout(r, delay));
        const outcome = await Promise.race([killPoint.then(() => 'kill' as const), job.exited.then(() => 'exited' as const)]);
        if (outcome === 'exited') {
          const code = await job.exited;
          if (code !== 0) throw new Error(`child exited with ${code} before the kill:\n${job.stderr()}`);
          break; // finished before we could kill it: the output must already be complete
        }
        job.kill();
        await job.exited;
        killed++;
        log.push(`${duringCheckpoint ? 'after checkpoint trigger +' : 'at +'}${delay} ms`);
      }
      const last = startChildJob(JOB, env);
      const code = await last.exited;
      expect(code, `final run failed:\n${last.stderr()}`).toBe(0);

      const output = await readCommitted<Out>(env.OUT_DIR);
      const actual = output.map((o) => `${o.k}:${o.n}:${o.i}`).sort();
      const expected = expectedOutput(count, keys);
      // Record by record: nothing lost, nothing doubled.
      expect(actual.length, `kills: ${log.join(', ')}`).toBe(expected.length);
      expect(actual).toEqual(expected);
      expect(killed).toBeGreaterThan(0);
      // No orphan stages left once the job finished.
      expect(await readdir(join(env.OUT_DIR, '.staging'))).toEqual([]);
    },
    crashTimeout(killCount(12)),
  );
});
