import { readFile, rename, rm, rmdir, writeFile } from 'node:fs/promises';
import { makeDirectory } from '@weir/core';
import { basename, dirname, resolve } from 'node:path';
import { CliError } from '../errors.ts';

/**
 * `<dir>/<job>/control.json`: how `weir savepoint|cancel|status <job>` find a running job's control
 * endpoint. `dir` is the job's checkpoint directory, or `.weir` when it does not checkpoint to
 * the file system. Written when the endpoint listens, removed when `weir run` ends; a file left
 * by a killed process names a pid that no longer runs, and is reported as such.
 */
export interface ControlInfo {
  readonly port: number;
  readonly pid: number;
  readonly jobName: string;
  readonly host: string;
  /** Whether requests need `Authorization: Bearer` (the token itself is never written here). */
  readonly tokenRequired: boolean;
}

export const CONTROL_FILE_NAME = 'control.json';
/** Where control files go for jobs without a file-system checkpoint directory. */
export const FALLBACK_CONTROL_ROOT = '.weir';
/** Where `weir savepoint|cancel|status` look first, unless `--checkpoint-dir` says otherwise. */
export const DEFAULT_CHECKPOINT_ROOT = './checkpoints';

export function controlFilePath(root: string, jobName: string): string {
  return resolve(root, jobName, CONTROL_FILE_NAME);
}

/** Writes the control file atomically (temp file, rename); resolves with its path. */
export async function writeControlFile(root: string, info: ControlInfo): Promise<string> {
  const file = controlFilePath(root, info.jobName);
  await makeDirectory(resolve(root, info.jobName));
  const temp = `${file}.${process.pid}.tmp`;
  await writeFile(temp, `${JSON.stringify(info, null, 2)}\n`);
  await rename(temp, file);
  return file;
}

/**
 * Removes the control file if it still names this process (another run may have replaced it),
 * and the directories it leaves empty (`.weir/<job>`, `.weir`).
 */
export async function removeControlFile(file: string): Promise<void> {
  const info = await readControlFile(file).catch(() => undefined);
  if (info?.pid !== process.pid) return;
  await rm(file, { force: true });
  const removed = await rmdir(dirname(file)).then(() => true, () => false);
  const root = dirname(dirname(file));
  if (removed && basename(root) === FALLBACK_CONTROL_ROOT) await rmdir(root).catch(() => undefined);
}

async function readControlFile(file: string): Promise<ControlInfo | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  const info = JSON.parse(text) as Partial<ControlInfo>;
  if (typeof info.port !== 'number' || typeof info.pid !== 'number' || typeof info.jobName !== 'string') {
    throw new CliError(`${file} is not a Weir control file`, 1);
  }
  return { host: '127.0.0.1', tokenRequired: false, ...info } as ControlInfo;
}

/** Whether process `pid` still runs. */
export function isProcessRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Finds the control file of the running job `jobName`: below `root` when given, else below
 * `./checkpoints`, then `.weir`.
 *
 * @throws CliError (exit 1) when there is none, or when it names a process that has exited
 */
export async function findControlFile(jobName: string, root: string | undefined): Promise<ControlInfo> {
  const roots = root !== undefined ? [root] : [DEFAULT_CHECKPOINT_ROOT, FALLBACK_CONTROL_ROOT];
  for (const r of roots) {
    const file = controlFilePath(r, jobName);
    const info = await readControlFile(file);
    if (info === undefined) continue;
    if (!isProcessRunning(info.pid)) {
      throw new CliError(`job '${jobName}' is not running: ${file} names pid ${info.pid}, which has exited`, 1);
    }
    return info;
  }
  const looked = roots.map((r) => controlFilePath(r, jobName)).join(' or ');
  const hint = root === undefined ? '; if the job runs with --checkpoint-dir DIR, pass the same --checkpoint-dir' : '';
  throw new CliError(`no running job '${jobName}': found no ${looked}${hint}`, 1);
}
