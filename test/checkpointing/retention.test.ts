/**
 * Retention: at most `retained` complete checkpoints on storage (plus the one being finalized),
 * nothing else left behind, and the retained ones kept when the job is cancelled.
 */
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { generatorSource, type Sink, type StreamEnvironment } from '@weir/core';
import {
  capturingLogger,
  checkpointDirs,
  CountPerKey,
  exists,
  keyedRecord,
  quietEnv,
  tempDirs,
  waitUntil,
  type Counted,
} from '../support/checkpoint-jobs.ts';

const JOB = 'retention';
const RETAINED = 3;
const discard: Sink<Counted> = { createWriter: () => ({ write() {} }) };

function defineJob(env: StreamEnvironment, storage: string): void {
  env.enableCheckpointing(10, { storage, retained: RETAINED });
  env
    .fromSource(generatorSource({ generate: keyedRecord(100), ratePerSecond: 50_000 }))
    .uid('source')
    .keyBy((r) => r.k)
    .process(new CountPerKey())
    .uid('count')
    .sinkTo(discard)
    .uid('sink');
}

/** Complete checkpoints (with `_metadata`) on storage right now. */
async function completeOnStorage(storage: string): Promise<number> {
  let n = 0;
  for (const d of await checkpointDirs(storage, JOB)) if (await exists(join(storage, JOB, d, '_metadata'))) n++;
  return n;
}

const dirs = tempDirs();
afterAll(() => dirs.cleanup());

describe('checkpoint retention', () => {
  let storage: string;
  let latestId: number;

  it('keeps exactly the last `retained` checkpoints after 50, each complete, and nothing else', async () => {
    storage = await dirs.make();
    const env = quietEnv(2);
    defineJob(env, storage);
    const client = env.executeAsync(JOB);
    let mostSeen = 0;
    await waitUntil(async () => {
      mostSeen = Math.max(mostSeen, await completeOnStorage(storage));
      return client.checkpointStats().counts.completed >= 50;
    }, '50 completed checkpoints');
    client.cancel();
    expect((await client.result).status).toBe('cancelled');

    // While running: never more than `retained`, plus the one whose metadata was just written
    // before the store discarded the oldest.
    expect(mostSeen).toBeLessThanOrEqual(RETAINED + 1);
    const stats = client.checkpointStats();
    latestId = stats.latestCompleted!.checkpointId;
    expect(stats.counts.completed).toBeGreaterThanOrEqual(50);

    // After cancel: the newest three, kept; no remains of the aborted in-flight checkpoint.
    expect(await readdir(storage)).toEqual([JOB]);
    const all = (await readdir(join(storage, JOB))).sort();
    // Beside the checkpoints, only the job's fencing epoch and its checkpoint history stay (the
    // lease went with the run).
    expect(all.filter((e) => e.startsWith('_'))).toEqual(['_checkpoint-history.json', '_epoch']);
    const entries = all.filter((e) => !e.startsWith('_'));
    expect(entries).toEqual([latestId - 2, latestId - 1, latestId].map((id) => `chk-${id}`).sort());
    for (const chk of entries) {
      const files = await readdir(join(storage, JOB, chk));
      expect(files, chk).toContain('_metadata');
      expect(files.filter((f) => f.startsWith('.')), `temp files in ${chk}`).toEqual([]);
    }
  });

  it('resumes a new run from the newest complete checkpoint, deleting an incomplete one, and keeps retention bounded', async () => {
    // The remains of a checkpoint that crashed before its metadata was written: newer, never restored.
    const incomplete = join(storage, JOB, `chk-${latestId + 1}`);
    await mkdir(incomplete);
    await writeFile(join(incomplete, 'count-0-keyed'), 'half a snapshot');
    const { logger, entries } = capturingLogger();
    const env = quietEnv(2, logger);
    defineJob(env, storage);
    const client = env.executeAsync(JOB);
    await waitUntil(() => client.checkpointStats().counts.completed >= RETAINED + 2, 'more checkpoints');
    client.cancel();
    await client.result;

    const restored = entries.find((e) => e.msg.startsWith('restoring from'));
    expect(restored).toMatchObject({ checkpointId: latestId, kind: 'checkpoint' });
    expect(entries.find((e) => e.msg === 'deleting the remains of a checkpoint that never completed')).toMatchObject({
      checkpointId: latestId + 1,
    });
    // Ids continue after the restored one; the old checkpoints were subsumed.
    const ids = (await checkpointDirs(storage, JOB)).map((d) => Number(d.slice(4)));
    expect(ids).toHaveLength(RETAINED);
    expect(Math.min(...ids)).toBeGreaterThan(latestId);
    for (const id of ids) expect(await readdir(join(storage, JOB, `chk-${id}`))).toContain('_metadata');
  });
});
