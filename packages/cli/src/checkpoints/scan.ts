import { readdir, stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { CorruptStateError, parseCheckpointDirName, parseSavepointDirName } from '@weir/core';
import { CliError } from '../errors.ts';
import { CheckpointReader, handlesOf, hasMetadata, sizeOnDisk } from './checkpoint-reader.ts';

/** One checkpoint directory as `weir checkpoints list` reports it. */
export interface CheckpointSummary {
  readonly id: number;
  readonly kind: 'checkpoint' | 'savepoint';
  readonly path: string;
  /**
   * complete: metadata and every handle verify; damaged: something fails its check (`problem`
   * says what); incomplete: no `_metadata`, the checkpoint never completed (never restored).
   */
  readonly status: 'complete' | 'damaged' | 'incomplete';
  readonly problem?: string;
  /** Wall-clock ms; from the metadata, else the directory's modification time. */
  readonly time: number;
  readonly durationMs?: number;
  /** Bytes on disk, `_metadata` included. */
  readonly sizeBytes: number;
  readonly handles?: number;
}

/** The checkpoints of one job directory, ascending by id. */
export interface JobCheckpoints {
  readonly jobDir: string;
  readonly checkpoints: readonly CheckpointSummary[];
}

function idOf(name: string): { id: number; kind: 'checkpoint' | 'savepoint' } | undefined {
  const chk = parseCheckpointDirName(name);
  if (chk !== undefined) return { id: chk, kind: 'checkpoint' };
  const sp = parseSavepointDirName(name);
  return sp === undefined ? undefined : { id: sp, kind: 'savepoint' };
}

async function subdirectories(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name).sort();
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new CliError(`${dir} does not exist`, 2);
    if (code === 'ENOTDIR') throw new CliError(`${dir} is not a directory`, 2);
    throw e;
  }
}

/**
 * Lists and checks checkpoints below `dir`: a job's directory (`chk-<n>` and `savepoint-*`
 * inside), or a checkpoint root holding one directory per job. Every handle is read and its
 * checksum verified, so the cost is reading every checkpoint once.
 */
export async function scanCheckpoints(dir: string): Promise<JobCheckpoints[]> {
  const root = resolve(dir);
  if (idOf(basename(root)) !== undefined) {
    throw new CliError(`${dir} is one checkpoint: 'weir checkpoints inspect ${dir}' describes it; list its parent`, 2);
  }
  const reader = new CheckpointReader();
  const names = await subdirectories(root);
  if (names.some((n) => idOf(n) !== undefined)) return [await scanJob(reader, root, names)];
  const jobs: JobCheckpoints[] = [];
  for (const name of names) {
    const jobDir = join(root, name);
    const inner = await subdirectories(jobDir);
    if (inner.some((n) => idOf(n) !== undefined)) jobs.push(await scanJob(reader, jobDir, inner));
  }
  if (jobs.length === 0) return [{ jobDir: root, checkpoints: [] }];
  return jobs;
}

async function scanJob(reader: CheckpointReader, jobDir: string, names: readonly string[]): Promise<JobCheckpoints> {
  const found = names.flatMap((name) => {
    const parsed = idOf(name);
    return parsed === undefined ? [] : [{ ...parsed, path: join(jobDir, name) }];
  });
  found.sort((a, b) => a.id - b.id || a.kind.localeCompare(b.kind));
  const checkpoints: CheckpointSummary[] = [];
  for (const entry of found) checkpoints.push(await examine(reader, entry));
  return { jobDir, checkpoints };
}

async function examine(
  reader: CheckpointReader,
  entry: { id: number; kind: 'checkpoint' | 'savepoint'; path: string },
): Promise<CheckpointSummary> {
  const base = { id: entry.id, kind: entry.kind, path: entry.path, sizeBytes: await sizeOnDisk(entry.path) };
  if (!(await hasMetadata(entry.path))) return { ...base, status: 'incomplete', time: (await stat(entry.path)).mtimeMs };
  const location = await reader.locate(entry.path);
  let metadata;
  try {
    metadata = await reader.readMetadata(location);
  } catch (e) {
    if (!(e instanceof CorruptStateError)) throw e;
    return { ...base, status: 'damaged', problem: e.message, time: (await stat(entry.path)).mtimeMs };
  }
  const summary = {
    ...base,
    time: metadata.completedAt,
    durationMs: metadata.completedAt - metadata.triggeredAt,
    handles: handlesOf(metadata).length,
  };
  const problem = await reader.verify(location, metadata);
  return problem === undefined ? { ...summary, status: 'complete' } : { ...summary, status: 'damaged', problem };
}
