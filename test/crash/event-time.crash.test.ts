/**
 * Event time through crashes: an event-time windowed job (tumbling, sliding, sessions) over out
 * of order input, a job of count windows and a count trigger (rescaled too), and a job of event timers (registered, deduplicated, deleted), killed with
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
import { killPointOf, restoredFromCheckpoint, startChildJob } from '../support/child-job.ts';
import { readCommitted } from '../support/file-sink-output.ts';
import { crashSeed, crashTimeout, killCount, seededRandom } from '../support/seeded-random.ts';
import { tempDirs } from '../support/temp-dirs.ts';
import { expectedCountWindows, expectedOutput, outKey, type Out } from './jobs/event-time-model.ts';

const JOB = fileURLToPath(new URL('./jobs/event-time-job.ts', import.meta.url));

const dirs = tempDirs('weir-crash-et-');
afterAll(() => dirs.cleanup());

describe('event-time jobs killed with SIGKILL at random moments', () => {
  it.each([
    { job: 'windows', kills: killCount(8), rescale: false },
    { job: 'timers', kills: killCount(8), rescale: true },
    { job: 'count-windows', kills: killCount(6), rescale: true },
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
      let restored = 0;
      const log: string[] = [];
      while (killed < kills) {
        const run = { ...env, PARALLELISM: parallelismOfRun() };
        const child = startChildJob(JOB, run);
        const kill = killPointOf(child, random, killed === 0);
        const outcome = await Promise.race([kill.due.then(() => 'kill' as const), child.exited.then(() => 'exited' as const)]);
        if (outcome === 'exited') {
          const code = await child.exited;
          if (code !== 0) throw new Error(`child exited with ${code} before the kill:\n${child.stderr()}`);
          if (restoredFromCheckpoint(child)) restored++;
          break;
        }
        child.kill();
        await child.exited;
        killed++;
        if (restoredFromCheckpoint(child)) restored++;
        log.push(`p=${run.PARALLELISM} ${kill.description}`);
      }
      const last = startChildJob(JOB, { ...env, PARALLELISM: parallelismOfRun() });
      const code = await last.exited;
      expect(code, `final run failed:\n${last.stderr()}`).toBe(0);
      if (restoredFromCheckpoint(last)) restored++;

      const actual = (await readCommitted<Out>(env.OUT_DIR)).map(outKey).sort();
      const expected =
        job === 'count-windows'
          ? expectedCountWindows(count, keys)
          : expectedOutput(count, keys).filter((line) => (job === 'windows' ? !/^(timer|echo) /.test(line) : /^(timer|echo) /.test(line)));
      // Window by window, timer by timer: nothing lost, nothing doubled (what differs, if anything).
      expect(difference(actual, expected), `seed ${seed}; kills: ${log.join(', ')}`).toEqual({ extra: [], missing: [] });
      expect(actual).toEqual(expected);
      expect(killed).toBeGreaterThan(0);
      // Runs restored from checkpoints (a test whose every run started afresh would prove little).
      expect(restored, `seed ${seed}; kills: ${log.join(', ')}`).toBeGreaterThan(0);
      expect(await readdir(join(env.OUT_DIR, '.staging'))).toEqual([]);
    },
    crashTimeout(killCount(8)),
  );
});

/** The lines of `actual` beyond those of `expected`, and those missing, each as often as they differ. */
function difference(actual: readonly string[], expected: readonly string[]): { extra: string[]; missing: string[] } {
  const left = new Map<string, number>();
  for (const line of expected) left.set(line, (left.get(line) ?? 0) + 1);
  const extra: string[] = [];
  for (const line of actual) {
    const n = left.get(line) ?? 0;
    if (n === 0) extra.push(line);
    else left.set(line, n - 1);
  }
  const missing = [...left].flatMap(([line, n]) => Array.from({ length: n }, () => line));
  return { extra, missing };
}
