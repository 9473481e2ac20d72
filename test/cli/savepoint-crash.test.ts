/**
 * Savepoint, restore, crash: a job is cancelled with a savepoint, started from it, and then killed
 * with SIGKILL at random points (also before its first checkpoint, when only the savepoint covers
 * it) and run again until it finishes. Its state includes operator list state changed in place.
 * The output must be that of an uninterrupted run, record by record.
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { readCommitted } from '../support/file-sink-output.ts';
import { crashSeed, crashTimeout, killCount, seededRandom } from '../support/seeded-random.ts';
import { expectedNumbered, type Numbered } from './jobs/numbering-job.ts';
import { runWeir, startWeir } from './support/weir-cli.ts';
import { tempDirs } from '../support/temp-dirs.ts';

const JOB = fileURLToPath(new URL('./jobs/numbering-job.ts', import.meta.url));
const KILLS = killCount(8);
const COUNT = 40_000;
const KEYS = 40;
const PARALLELISM = 2;

const dirs = tempDirs('weir-savepoint-crash-');
afterAll(() => dirs.cleanup());

describe('a job started from a savepoint and killed with SIGKILL again and again', () => {
  it(`ends with the output of an uninterrupted run (${KILLS} kills after the restore)`, async () => {
    const seed = crashSeed('savepoint crash');
    const random = seededRandom(seed);
    const root = await dirs.make();
    const ck = join(root, 'ck');
    const command = ['run', JOB, '--checkpoint-dir', ck, '--checkpoint-interval', '50', '--job-name', 'num', '--parallelism', String(PARALLELISM)];
    const env = { OUT_DIR: join(root, 'out'), COUNT: String(COUNT), KEYS: String(KEYS), RATE: '10000' };

    // A first run, cancelled with a savepoint once it has checkpointed a while (slow enough not to
    // finish first, however long the cancel command takes to start on a loaded machine).
    const first = startWeir(command, { ...env, RATE: '2500' });
    await first.waitFor(/"checkpoint completed"/);
    await new Promise((r) => setTimeout(r, 300 + Math.floor(random() * 700)));
    const cancelled = await runWeir(['cancel', 'num', '--checkpoint-dir', ck, '--savepoint', join(root, 'sp')]);
    expect(cancelled.code, cancelled.stderr).toBe(0);
    expect(await first.exited).toBe(0);
    const savepoint = join(root, 'sp', (await readdir(join(root, 'sp')))[0]);

    // Started from the savepoint, then killed: early (before a checkpoint) or while checkpointing.
    const kills: string[] = [];
    for (let run = 0; kills.length < KILLS; run++) {
      const args = run === 0 ? [...command, '--from-savepoint', savepoint] : command;
      const p = startWeir(args, env);
      const early = random() < 0.4;
      const delay = Math.floor(random() * (early ? 40 : 20));
      const moment = early ? p.waitFor(/"tasks running"/) : p.waitFor(/"checkpoint triggered"/);
      const outcome = await Promise.race([moment.then(() => new Promise((r) => setTimeout(r, delay))).then(() => 'kill' as const), p.exited.then(() => 'exited' as const)]);
      if (outcome === 'exited') throw new Error(`seed ${seed}: run ${run} ended before its kill:\n${p.stderr()}`);
      p.kill('SIGKILL');
      await p.exited;
      kills.push(`${early ? 'start' : 'checkpoint'}+${delay}ms`);
    }
    const last = await runWeir(command, { ...env, RATE: '40000' });
    expect(last.code, `seed ${seed}, final run:\n${last.stderr}`).toBe(0);

    const out = (await readCommitted<Numbered>(join(root, 'out'))).sort((a, b) => a.i - b.i);
    const context = `seed ${seed}; kills: ${kills.join(', ')}`;
    expect(out.length, context).toBe(COUNT);
    expect(out, context).toEqual(expectedNumbered(COUNT, KEYS, PARALLELISM));
  }, crashTimeout(KILLS, 4000));
});
