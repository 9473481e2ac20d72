/**
 * Recovery on worker threads still passes over a damaged checkpoint: the main thread decodes no
 * keyed state there (each worker decodes its own), but it reads every state file of the
 * checkpoint it picks and verifies its checksum before deploying, so a flipped bit in the newest
 * checkpoint sends the job back to the one before, with a warning, and nothing is lost.
 */
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { startChildJob } from '../support/child-job.ts';
import { checkpointDirs, exists, waitUntil } from '../support/checkpoint-jobs.ts';
import { readCommitted } from '../support/file-sink-output.ts';
import { expectedCounts, type Counted } from '../support/keyed-count.ts';
import { tempDirs } from '../support/temp-dirs.ts';

const JOB = fileURLToPath(new URL('./jobs/bounded-job.ts', import.meta.url));
const COUNT = 40_000;
const KEYS = 2_000;

const dirs = tempDirs('weir-thread-damaged-');
afterAll(() => dirs.cleanup());

describe('a restart on worker threads from a damaged newest checkpoint', () => {
  it('falls back to the previous checkpoint, says so, and replays from there', async () => {
    const root = await dirs.make();
    // 2,000 keys with 32 characters each: every subtask's keyed state is a file of its own.
    const env = { CK_DIR: join(root, 'ck'), OUT_DIR: join(root, 'out'), COUNT: String(COUNT), KEYS: String(KEYS), PAYLOAD: '32' };
    const first = startChildJob(JOB, { ...env, RATE: '20000' });
    const completed = () => (first.stderr().match(/"msg":"checkpoint completed"/g) ?? []).length;
    await waitUntil(() => completed() >= 3, 'three completed checkpoints', 60_000);
    first.kill();
    expect(await first.exited).toBe('SIGKILL');

    const jobDir = join(env.CK_DIR, 'bounded');
    const complete: string[] = [];
    for (const d of await checkpointDirs(env.CK_DIR, 'bounded')) if (await exists(join(jobDir, d, '_metadata'))) complete.push(d);
    expect(complete.length).toBeGreaterThanOrEqual(2);
    const newest = complete[complete.length - 1];
    const previous = Number(complete[complete.length - 2].slice(4));
    // What the first run committed after the previous checkpoint's barrier: its sink files are
    // named part-<subtask>-<the checkpoint whose barrier began them>-... Replaying from the previous
    // checkpoint writes exactly these records again.
    const replayed = new Set<number>();
    for (const f of await readdir(env.OUT_DIR)) {
      const m = /^part-\d+-(\d+)-/.exec(f);
      if (m === null || Number(m[1]) < previous) continue;
      for (const line of (await readFile(join(env.OUT_DIR, f), 'utf8')).split('\n')) if (line !== '') replayed.add((JSON.parse(line) as Counted).i);
    }
    const file = join(jobDir, newest, 'count-0-keyed');
    expect(await exists(file), `${file} should hold subtask 0's keyed state`).toBe(true);
    const bytes = await readFile(file);
    bytes[bytes.length >> 1] ^= 0x10;
    await writeFile(file, bytes);

    const second = startChildJob(JOB, env);
    expect(await second.exited, second.stderr()).toBe(0);
    expect(second.stderr()).toMatch(/running the subtasks on 2 worker threads/);
    expect(second.stderr()).toMatch(/checkpoint is damaged; falling back to the previous one/);
    expect(second.stderr()).toMatch(/count-0-keyed: checksum mismatch/);
    expect(second.stderr()).toMatch(new RegExp(`"msg":"restoring from checkpoint ${previous} `));
    // The sink had committed what the damaged checkpoint covered: going back one checkpoint replays
    // the records between the two, so those, and only those, come twice (each with the same count).
    const expected = expectedCounts(COUNT, KEYS);
    const times = new Array<number>(COUNT).fill(0);
    const wrong: Counted[] = [];
    for (const o of await readCommitted<Counted>(env.OUT_DIR)) {
      times[o.i]++;
      if (o.k !== expected[o.i].k || o.n !== expected[o.i].n) wrong.push(o);
    }
    expect(wrong).toEqual([]);
    expect(times.filter((t) => t < 1 || t > 2)).toEqual([]);
    // (None when the kill came before the sink committed what the damaged checkpoint covered.)
    const twice = times.flatMap((t, i) => (t === 2 ? [i] : []));
    expect(twice).toEqual([...replayed].sort((a, b) => a - b));
  }, 120_000);
});
