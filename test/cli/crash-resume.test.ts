import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { readCommitted } from '../support/file-sink-output.ts';
import { crashSeed, crashTimeout, killCount, seededRandom } from '../support/seeded-random.ts';
import { expectedOutput, type Out } from './jobs/generator-job.ts';
import { runWeir, startWeir } from './support/weir-cli.ts';
import { tempDirs } from '../support/temp-dirs.ts';

const JOB = fileURLToPath(new URL('./jobs/generator-job.ts', import.meta.url));
const KILLS = killCount(22);
const COUNT = 60_000;
const KEYS = 50;

const dirs = tempDirs('weir-cli-crash-');
afterAll(() => dirs.cleanup());

const byIndex = (a: Out, b: Out): number => a.i - b.i;

describe('weir run killed with SIGKILL and run again with the same command', () => {
  it(`ends with the output of an uninterrupted run, record by record (${KILLS} kills)`, async () => {
    const seed = crashSeed('weir run crash/resume');
    const random = seededRandom(seed);
    const root = await dirs.make();

    const command = (name: string): string[] =>
      ['run', JOB, '--checkpoint-dir', join(root, name, 'ck'), '--checkpoint-interval', '50', '--job-name', 'gen', '--parallelism', '2'];
    const env = (name: string, rate?: number): Record<string, string> => ({
      OUT_DIR: join(root, name, 'out'),
      COUNT: String(COUNT),
      KEYS: String(KEYS),
      ...(rate === undefined ? {} : { RATE: String(rate) }),
    });

    const kills: string[] = [];
    let resumed = 0;
    while (kills.length < KILLS) {
      const run = startWeir(command('crashed'), env('crashed', 20_000));
      // A third of the kills land while a checkpoint is written, a third while the job runs, and a
      // third anywhere from process start (loading, restoring, deleting an incomplete checkpoint).
      const where = random();
      const delay = Math.floor(random() * (where < 1 / 3 ? 20 : 300));
      // The first kill comes after a completed checkpoint, so that the runs have one to resume from
      // whatever the seed (worker threads take a second or more to start, and every other kill may
      // land before a checkpoint completes).
      const moment =
        kills.length === 0
          ? run.waitFor(/"checkpoint completed"/)
          : where < 1 / 3
            ? run.waitFor(/"checkpoint triggered"/)
            : where < 2 / 3
              ? run.waitFor(/"tasks running"/)
              : Promise.resolve('');
      const killAt = moment.then(() => new Promise((r) => setTimeout(r, delay)));
      const outcome = await Promise.race([killAt.then(() => 'kill' as const), run.exited.then(() => 'exited' as const)]);
      if (outcome === 'exited') {
        throw new Error(`seed ${seed}: the run ended (${String(await run.exited)}) before kill ${kills.length + 1}:\n${run.stderr()}`);
      }
      run.kill('SIGKILL');
      await run.exited;
      if (/restoring from checkpoint/.test(run.stderr())) resumed++;
      kills.push(`${kills.length === 0 ? 'completed' : where < 1 / 3 ? 'checkpoint' : where < 2 / 3 ? 'running' : 'start'}+${delay}ms`);
    }
    const last = await runWeir(command('crashed'), env('crashed', 20_000));
    expect(last.code, `seed ${seed}, final run:\n${last.stderr}`).toBe(0);
    expect(last.stderr).toMatch(/restoring from checkpoint \d+/);

    const clean = await runWeir(command('clean'), env('clean'));
    expect(clean.code, clean.stderr).toBe(0);

    const crashed = (await readCommitted<Out>(join(root, 'crashed', 'out'))).sort(byIndex);
    const uninterrupted = (await readCommitted<Out>(join(root, 'clean', 'out'))).sort(byIndex);
    const context = `seed ${seed}; kills: ${kills.join(', ')}`;
    expect(uninterrupted, 'the uninterrupted run').toEqual(expectedOutput(COUNT, KEYS));
    expect(crashed.length, context).toBe(uninterrupted.length);
    expect(crashed, context).toEqual(uninterrupted);
    expect(resumed, `${context}: runs that resumed from a checkpoint`).toBeGreaterThan(0);
    expect(await readdir(join(root, 'crashed', 'out', '.staging'))).toEqual([]);
  }, crashTimeout(KILLS, 3000));
});
