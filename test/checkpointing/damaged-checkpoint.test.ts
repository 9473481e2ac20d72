/**
 * A damaged newest checkpoint is never restored: the job falls back to the previous retained one,
 * says why in a warning, and its output is exactly that of an uninterrupted run from there.
 */
import { readdir, readFile, stat, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { collectSink, generatorSource, type Sink, type StreamEnvironment } from '@weir/core';
import {
  capturingLogger,
  checkpointDirs,
  CountPerKey,
  keyedRecord,
  quietEnv,
  tempDirs,
  waitUntil,
  type Counted,
} from '../support/checkpoint-jobs.ts';

const JOB = 'damaged';
const KEYS = 5_000;
const COUNT = 150_000;

/** 5000 keys with a string each: keyed state of well over 20 KB, so it lands in its own file. */
function defineJob(env: StreamEnvironment, storage: string, sink: Sink<Counted>, paced: boolean): void {
  env.enableCheckpointing(50, { storage, retained: 3 });
  env
    .fromSource(generatorSource({ count: COUNT, generate: keyedRecord(KEYS), ratePerSecond: paced ? 40_000 : undefined }))
    .uid('source')
    .keyBy((r) => r.k)
    .process(new CountPerKey(32))
    .uid('count')
    .sinkTo(sink)
    .uid('sink');
}

const dirs = tempDirs();
afterAll(() => dirs.cleanup());

/** Runs the job until a few checkpoints completed mid-input, then cancels it. */
async function checkpointsMidRun(storage: string): Promise<string[]> {
  const env = quietEnv();
  defineJob(env, storage, { createWriter: () => ({ write() {} }) }, true);
  const client = env.executeAsync(JOB);
  await waitUntil(() => client.checkpointStats().counts.completed >= 4, 'four completed checkpoints');
  client.cancel();
  await client.result;
  return checkpointDirs(storage, JOB);
}

async function flipOneBit(file: string): Promise<void> {
  const bytes = await readFile(file);
  bytes[bytes.length >> 1] ^= 0x10;
  await writeFile(file, bytes);
}

const cases = [
  {
    damage: 'a flipped bit in its keyed state file',
    file: 'count-0-keyed',
    apply: flipOneBit,
    warning: 'checkpoint is damaged; falling back to the previous one',
    reason: /state file .*count-0-keyed: checksum mismatch, expected [0-9a-f]{8}, actual [0-9a-f]{8}/,
  },
  {
    damage: 'a truncated keyed state file',
    file: 'count-0-keyed',
    apply: async (f: string) => truncate(f, (await stat(f)).size >> 1),
    warning: 'checkpoint is damaged; falling back to the previous one',
    reason: /state file .*count-0-keyed: size mismatch, expected \d+ bytes, actual \d+/,
  },
  {
    damage: 'a truncated _metadata file',
    file: '_metadata',
    apply: async (f: string) => truncate(f, 40),
    warning: 'skipping a damaged checkpoint: its metadata cannot be read',
    reason: /_metadata is corrupt: checksum mismatch/,
  },
];

describe('restoring when the newest checkpoint is damaged', () => {
  it.each(cases)('falls back to the previous checkpoint after $damage, with a warning naming why', async (c) => {
    const storage = await dirs.make();
    const chks = await checkpointsMidRun(storage);
    expect(chks.length).toBeGreaterThanOrEqual(2);
    const newest = chks.at(-1)!;
    const previous = Number(chks.at(-2)!.slice(4));
    const files = await readdir(join(storage, JOB, newest));
    // The keyed state is big enough not to be inlined in _metadata.
    expect(files).toContain('count-0-keyed');
    await c.apply(join(storage, JOB, newest, c.file));

    const { logger, entries } = capturingLogger();
    const env = quietEnv(1, logger);
    const out = collectSink<Counted>();
    defineJob(env, storage, out, false);
    expect((await env.execute(JOB)).status).toBe('finished');

    const warning = entries.find((e) => e.msg === c.warning);
    expect(warning, 'the warning').toMatchObject({ level: 40, checkpointId: Number(newest.slice(4)) });
    expect(String(warning!.reason)).toMatch(c.reason);
    expect(entries.find((e) => e.msg.startsWith('restoring from'))).toMatchObject({ checkpointId: previous });

    // Exactly the output of an uninterrupted run from the previous checkpoint on: record i is the
    // (i div KEYS + 1)-th of its key, and every index after the restored position comes once.
    const indices = out.values.map((o) => o.i);
    const first = indices[0];
    expect(first).toBeGreaterThan(0);
    expect(indices).toEqual(Array.from({ length: COUNT - first }, (_, j) => first + j));
    expect(out.values.filter((o) => o.n !== Math.floor(o.i / KEYS) + 1 || o.k !== `k${o.i % KEYS}`)).toEqual([]);
  });
});
