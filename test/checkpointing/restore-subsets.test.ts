/**
 * What each thread restores on its own. On worker threads, a thread decodes the keyed state of its
 * own subtasks only, and reads only the state files that hold some of their key groups; the main
 * thread decodes no keyed state at all, but still reads every file, so that a damaged checkpoint is
 * passed over before any thread is deployed. Here: a keyed count checkpointed at parallelism 2,
 * restored for parallelism 3.
 */
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { CorruptStateError, FsCheckpointStorage, generatorSource, type CheckpointStorage, type DataStreamSink, type StreamEnvironment } from '@weir/core';
// Internals of @weir/core by path with `.js` (see chaining.test.ts).
import { loadRestoredState } from '../../packages/core/src/checkpoint/restore/restored-job-state.js';
import type { CompletedCheckpoint } from '../../packages/core/src/checkpoint/completed-checkpoint.js';
import { buildExecutionGraph, type ExecutionGraph } from '../../packages/core/src/graph/execution-graph.js';
import { buildJobGraph } from '../../packages/core/src/graph/job-graph.js';
import { buildStreamGraph } from '../../packages/core/src/graph/stream-graph.js';
import { CountPerKey, keyedRecord, quietEnv, tempDirs, waitUntil, type Counted } from '../support/checkpoint-jobs.ts';
import { transformationsOf } from '../support/graphs.ts';

const JOB = 'subsets';
const KEYS = 5_000;
const logger = pino({ level: 'silent' });

function define(env: StreamEnvironment, storage: string, paced: boolean): DataStreamSink<Counted> {
  env.enableCheckpointing(50, { storage, retained: 1 });
  return env
    .fromSource(generatorSource({ count: 100_000, generate: keyedRecord(KEYS), ratePerSecond: paced ? 40_000 : undefined }))
    .uid('source')
    .keyBy((r) => r.k)
    .process(new CountPerKey(32))
    .uid('count')
    .sinkTo({ createWriter: () => ({ write() {} }) })
    .uid('sink');
}

/** The execution graph `execute` would build for the job at `parallelism`. */
function graphAt(parallelism: number, storage: string): ExecutionGraph {
  const env = quietEnv(parallelism);
  const sink = define(env, storage, false);
  const stream = buildStreamGraph(JOB, transformationsOf([sink as DataStreamSink<unknown>]), { parallelism, maxParallelism: env.getMaxParallelism() });
  return buildExecutionGraph(buildJobGraph(stream), 64);
}

/** File storage that counts the keyed state files it reads. */
function countingStorage(root: string): { storage: CheckpointStorage; keyedReads: string[] } {
  const storage = new FsCheckpointStorage({ directory: root, jobName: JOB });
  const keyedReads: string[] = [];
  const readState = storage.readState.bind(storage);
  storage.readState = (location, handle) => {
    if ('path' in handle && handle.path.endsWith('-keyed')) keyedReads.push(handle.path);
    return readState(location, handle);
  };
  return { storage, keyedReads };
}

const dirs = tempDirs();
afterAll(() => dirs.cleanup());

describe('restoring a subset of the subtasks', () => {
  it('decodes only the named subtasks, reads only their files with skipUnowned, and reads every file otherwise', async () => {
    const root = await dirs.make();
    const env = quietEnv(2);
    define(env, root, true);
    const client = env.executeAsync(JOB);
    await waitUntil(() => client.checkpointStats().counts.completed >= 2, 'two completed checkpoints');
    client.cancel();
    await client.result;

    const { storage, keyedReads } = countingStorage(root);
    const [latest] = (await storage.list()).filter((e) => e.hasMetadata).slice(-1);
    const checkpoint: CompletedCheckpoint = { checkpointId: latest.checkpointId, location: latest.location, metadata: await storage.readMetadata(latest.location) };
    const keyedFiles = (await readdir(join(root, JOB, `chk-${latest.checkpointId}`))).filter((f) => f.endsWith('-keyed')).sort();
    expect(keyedFiles).toEqual(['count-0-keyed', 'count-1-keyed']);

    const graph = graphAt(3, root);
    const vertex = graph.jobGraph.vertices.find((v) => v.nodes.some((n) => n.uid === 'count'))!.id;
    const options = { allowNonRestoredState: false, logger };

    const all = await loadRestoredState(checkpoint, storage, graph, options);
    const groups = [0, 1, 2].map((s) => all.keyGroups('count', s));
    expect(groups.every((g) => g !== undefined && g.size > 0)).toBe(true);
    expect(keyedReads).toHaveLength(2);

    // Subtask 0 of 3 owns key groups 0..42, all in the old subtask 0's file.
    keyedReads.length = 0;
    const mine = await loadRestoredState(checkpoint, storage, graph, { ...options, only: new Set([`${vertex}#0`]), skipUnowned: true });
    expect(mine.keyGroups('count', 0)).toEqual(groups[0]);
    expect(mine.keyGroups('count', 1)).toBeUndefined();
    expect(mine.keyGroups('count', 2)).toBeUndefined();
    expect(keyedReads.map((p) => p.split('/').pop())).toEqual(['count-0-keyed']);

    // The main thread of a job on worker threads: no keyed state decoded, every file read.
    keyedReads.length = 0;
    const none = await loadRestoredState(checkpoint, storage, graph, { ...options, only: new Set<string>() });
    expect([0, 1, 2].map((s) => none.keyGroups('count', s))).toEqual([undefined, undefined, undefined]);
    expect(none.lists('source', 0)).toEqual(all.lists('source', 0));
    expect(keyedReads).toHaveLength(2);

    // A damaged file that subtask 0 does not need: the main thread's check still finds it.
    const damaged = join(root, JOB, `chk-${latest.checkpointId}`, 'count-1-keyed');
    const bytes = await readFile(damaged);
    bytes[bytes.length >> 1] ^= 0x10;
    await writeFile(damaged, bytes);
    await expect(loadRestoredState(checkpoint, storage, graph, { ...options, only: new Set<string>() })).rejects.toThrow(CorruptStateError);
    await expect(loadRestoredState(checkpoint, storage, graph, { ...options, only: new Set([`${vertex}#0`]), skipUnowned: true })).resolves.toBeDefined();
  }, 60_000);
});
