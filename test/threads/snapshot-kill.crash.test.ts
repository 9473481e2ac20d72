/**
 * SIGKILL while several worker threads snapshot: a keyed count with a few MB of keyed state on
 * two worker threads, killed just after a checkpoint was triggered (each thread encoding and
 * writing its subtasks' state), again and again; the output must be that of an uninterrupted run.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { restoredFromCheckpoint, startChildJob } from '../support/child-job.ts';
import { readCommitted } from '../support/file-sink-output.ts';
import { crashSeed, crashTimeout, killCount, seededRandom } from '../support/seeded-random.ts';
import { countedKey, expectedCounts, type Counted } from '../support/keyed-count.ts';
import { tempDirs } from '../support/temp-dirs.ts';

const JOB = fileURLToPath(new URL('../crash/jobs/keyed-count-job.ts', import.meta.url));
const KILLS = killCount(5);

const dirs = tempDirs('weir-thread-kill-');
afterAll(() => dirs.cleanup());

describe('a job on two worker threads killed while they snapshot', () => {
  it(`produces exactly the output of an uninterrupted run (${KILLS} kills)`, async () => {
    const seed = crashSeed('threads snapshot kill');
    const random = seededRandom(seed);
    const root = await dirs.make();
    const count = 30_000;
    const keys = 20_000;
    const env = {
      CK_DIR: join(root, 'ck'),
      OUT_DIR: join(root, 'out'),
      COUNT: String(count),
      KEYS: String(keys),
      RATE: '6000',
      PARALLELISM: '2',
      WORKERS: '2',
      INTERVAL: '150',
      PAYLOAD: '200',
    };
    const log: string[] = [];
    let restored = 0;
    for (let killed = 0; killed < KILLS; killed++) {
      const job = startChildJob(JOB, env);
      // The nth checkpoint of the run (n ≥ 2: the threads are deployed and snapshotting), then 0-20 ms.
      const nth = 2 + Math.floor(random() * 3);
      const delay = Math.floor(random() * 20);
      const moment = (async () => {
        // The first run after a completed checkpoint too, so that the runs after it restore.
        if (killed === 0) await job.waitFor(/"msg":"checkpoint completed"/);
        for (let seen = 0; seen < nth; seen++) await job.waitFor(/checkpoint triggered/);
        await new Promise((r) => setTimeout(r, delay));
      })();
      const outcome = await Promise.race([moment.then(() => 'kill' as const), job.exited.then(() => 'exited' as const)]);
      if (outcome === 'exited') {
        expect(await job.exited, `seed ${seed}, a run that ended on its own:\n${job.stderr().slice(-3000)}`).toBe(0);
        if (restoredFromCheckpoint(job)) restored++;
        break;
      }
      job.kill();
      await job.exited;
      if (restoredFromCheckpoint(job)) restored++;
      log.push(`checkpoint ${nth} +${delay} ms`);
    }
    const last = startChildJob(JOB, env);
    expect(await last.exited, `seed ${seed}, final run:\n${last.stderr().slice(-3000)}`).toBe(0);
    if (restoredFromCheckpoint(last)) restored++;
    const out = (await readCommitted<Counted>(env.OUT_DIR)).map(countedKey).sort();
    const context = `seed ${seed}; kills: ${log.join(', ')}`;
    expect(out.length, context).toBe(count);
    expect(out, context).toEqual(expectedCounts(count, keys).map(countedKey).sort());
    // Runs restored from checkpoints (a test whose every run started afresh would prove little).
    expect(restored, context).toBeGreaterThan(0);
  }, crashTimeout(KILLS, 8000));
});
