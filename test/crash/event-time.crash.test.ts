/**
 * Event time through crashes: an event-time windowed job (tumbling, sliding, sessions) over out
 * of order input, and a job of event timers (registered, deduplicated, deleted), killed with
 * SIGKILL at random moments and restarted, must commit exactly the output of an uninterrupted
 * run, window by window and timer by timer. The timer job restarts at a random parallelism each
 * time, so checkpoints with pending timers are restored at other parallelisms.
 *
 * Kill points (and parallelisms) come from a seed the test prints; replay with WEIR_CRASH_SEED.
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { startChildJob } from '../support/child-job.ts';
import { readCommitted } from '../support/file-sink-output.ts';
import { crashSeed, crashTimeout, killCount, seededRandom } from '../support/seeded-random.ts';
import { tempDirs } from '../support/temp-dirs.ts';
import { expectedOutput, outKey, type Out } from './jobs/event-time-model.ts';

const JOB = fileURLToPath(new URL('./jobs/event-time-job.ts', import.meta.url));

const dirs = tempDirs('weir-crash-et-');
afterAll(() => dirs.cleanup());

describe('event-time jobs killed with SIGKILL at random moments', () => {
  it.each([
    { job: 'windows', kills: killCount(8), rescale: false },
    { job: 'timers', kills: killCount(8), rescale: true },
  ])(
    'commit exactly the output of an uninterrupted run: $job ($kills kills, rescaled: $rescale)',
    async ({ job, kills, rescale }) => {
      const seed = crashSeed(`event-time ${job}`);
      const random = seededRandom(seed);
      const root = await dirs.make();
      const count = 24_000;
      const keys = 20;
      const env = {
        CK_DIR: join(root, 'ck'),
        OUT_DIR: join(root, 'out'),
        COUNT: String(count),
        KEYS: String(keys),
        RATE: '16000',
        PARALLELISM: '2',
        INTERVAL: '100',
        JOB: job,
      };
      const parallelismOfRun = () => (rescale ? String(1 + Math.floor(random() * 3)) : '2');
      let killed = 0;
      const log: string[] = [];
      while (killed < kills) {
        const run = { ...env, PARALLELISM: parallelismOfRun() };
        const child = startChildJob(JOB, run);
        const duringCheckpoint = random() < 0.5;
        const delay = duringCheckpoint ? Math.floor(random() * 15) : 200 + Math.floor(random() * 1200);
        const killPoint = duringCheckpoint
          ? child.waitFor(/checkpoint triggered/).then(() => new Promise((r) => setTimeout(r, delay)))
          : new Promise((r) => setTimeout(r, delay));
        const outcome = await Promise.race([killPoint.then(() => 'kill' as const), child.exited.then(() => 'exited' as const)]);
        if (outcome === 'exited') {
          const code = await child.exited;
          if (code !== 0) throw new Error(`child exited with ${code} before the kill:\n${child.stderr()}`);
          break;
        }
        child.kill();
        await child.exited;
        killed++;
        log.push(`p=${run.PARALLELISM} ${duringCheckpoint ? 'after checkpoint trigger +' : 'at +'}${delay} ms`);
      }
      const last = startChildJob(JOB, { ...env, PARALLELISM: parallelismOfRun() });
      const code = await last.exited;
      expect(code, `final run failed:\n${last.stderr()}`).toBe(0);

      const actual = (await readCommitted<Out>(env.OUT_DIR)).map(outKey).sort();
      const expected = expectedOutput(count, keys).filter((line) => (job === 'windows' ? !/^(timer|echo) /.test(line) : /^(timer|echo) /.test(line)));
      // Window by window, timer by timer: nothing lost, nothing doubled.
      expect(actual.length, `seed ${seed}; kills: ${log.join(', ')}`).toBe(expected.length);
      expect(actual).toEqual(expected);
      expect(killed).toBeGreaterThan(0);
      expect(await readdir(join(env.OUT_DIR, '.staging'))).toEqual([]);
    },
    crashTimeout(killCount(8)),
  );
});
