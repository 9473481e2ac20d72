import { randomBytes } from 'node:crypto';
import { open, readFile, rename, rm, stat, utimes } from 'node:fs/promises';
import { hostname } from 'node:os';
import path from 'node:path';
import { LeaseConflictError, LeaseLostError, type JobLease, type LeaseHolder } from './job-lease.ts';

/** Options of {@link acquireFsLease}. */
export interface FsLeaseOptions {
  readonly jobName: string;
  /** The job's checkpoint directory: the lease files live in it. */
  readonly jobDir: string;
  /**
   * A lease whose file was not renewed for this long is taken over, whoever held it: what lets a
   * job on another host of a shared file system take over from a host that died. Default 30 s;
   * renewed every quarter of it.
   */
  readonly ttlMs?: number;
}

const LEASE_FILE = '_lease';
const EPOCH_FILE = '_epoch';
const DEFAULT_TTL_MS = 30_000;

interface LeaseFile extends LeaseHolder {
  readonly token: string;
  readonly epoch: number;
}

/**
 * The job lease on a file system: `<jobDir>/_lease` (created exclusively, `O_EXCL`) names the
 * holder (pid, host, since) and its epoch; `<jobDir>/_epoch` keeps the largest epoch ever handed
 * out and outlives every holder. The holder renews the lease file's mtime in the background.
 *
 * A lease is taken over when its holder is gone: on this host, when its pid no longer runs; on
 * any host, when it was not renewed for `ttlMs`. Takeover renames the stale file away before
 * creating a new one, so of two runs taking over at once one gets `O_EXCL` and the other either
 * conflicts or (having moved the winner's file) leaves the winner to find its lease lost at its
 * next check. Checks read the file, so a run fenced this way stops before its next `_metadata`.
 */
export async function acquireFsLease(holder: LeaseHolder, options: FsLeaseOptions): Promise<JobLease> {
  const file = path.join(options.jobDir, LEASE_FILE);
  const ttlMs = options.ttlMs ?? DEFAULT_TTL_MS;
  const token = randomBytes(8).toString('hex');
  for (let tries = 0; ; tries++) {
    const content: LeaseFile = { ...holder, token, epoch: 0 };
    if (await createExclusive(file, content)) break;
    const current = await readLease(file);
    if (current === undefined) continue; // released between our create and our read
    if (await isAlive(current, file, ttlMs)) throw new LeaseConflictError(options.jobName, current, file);
    if (tries >= 5) throw new LeaseConflictError(options.jobName, current, file);
    const stale = `${file}.${current.token}.stale`;
    await rename(file, stale).catch(ignoreNotFound);
    await rm(stale, { force: true });
  }
  let epoch = await nextEpoch(options.jobDir);
  await writeLease(file, { ...holder, token, epoch });
  let lost: Error | undefined;
  // The epoch `advance` is writing: until its write lands the file may still hold the old one, and
  // once it has landed the file holds the new one before `epoch` does. A check in between (the
  // renewal timer, a sink's commit) must accept either, or the run would fence itself.
  let advancing: number | undefined;
  const renew = setInterval(() => {
    void ownLease(file, token, epoch, advancing)
      .then(() => touch(file))
      .catch((e: unknown) => {
        lost ??= e instanceof LeaseLostError ? e : new LeaseLostError(`renewing the job lease ${file} failed: ${String(e)}`, { cause: e });
      });
  }, Math.max(10, Math.floor(ttlMs / 4)));
  renew.unref();
  let released = false;
  const lease: JobLease = {
    get epoch() {
      return epoch;
    },
    holder,
    async advance() {
      await lease.check();
      const next = await nextEpoch(options.jobDir);
      advancing = next;
      try {
        await writeLease(file, { ...holder, token, epoch: next });
        epoch = next;
      } finally {
        advancing = undefined;
      }
      return epoch;
    },
    async check() {
      if (released) throw new LeaseLostError(`the job lease ${file} was released`);
      if (lost !== undefined) throw lost;
      await ownLease(file, token, epoch, advancing);
    },
    async release() {
      if (released) return;
      released = true;
      clearInterval(renew);
      const current = await readLease(file);
      if (current?.token === token) await rm(file, { force: true });
    },
  };
  return lease;
}

/** Whether the holder of `lease` may still be running: its pid runs (this host), or it renewed lately. */
async function isAlive(lease: LeaseFile, file: string, ttlMs: number): Promise<boolean> {
  if (lease.host === hostname()) return pidRuns(lease.pid);
  const mtime = await stat(file).then(
    (s) => s.mtimeMs,
    () => 0,
  );
  return Date.now() - mtime < ttlMs;
}

function pidRuns(pid: number): boolean {
  if (pid <= 0) return false;
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function ownLease(file: string, token: string, epoch: number, advancing?: number): Promise<void> {
  const current = await readLease(file);
  if (current === undefined) throw new LeaseLostError(`the job lease ${file} is gone: another run took the job over`);
  if (current.token !== token) {
    throw new LeaseLostError(`the job lease ${file} is held by pid ${current.pid} on ${current.host} now: this run was taken over`);
  }
  if (current.epoch !== epoch && current.epoch !== advancing) throw new LeaseLostError(`the job lease ${file} moved to epoch ${current.epoch}; this run has ${epoch}`);
}

async function createExclusive(file: string, content: LeaseFile): Promise<boolean> {
  let handle;
  try {
    handle = await open(file, 'wx');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  }
  try {
    await handle.writeFile(JSON.stringify(content));
    await handle.sync();
  } finally {
    await handle.close();
  }
  return true;
}

async function readLease(file: string): Promise<LeaseFile | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  try {
    const parsed = JSON.parse(text) as LeaseFile;
    if (typeof parsed.pid === 'number' && typeof parsed.token === 'string') return parsed;
  } catch {
    // A lease file cut short by a crash while it was created: nobody holds it.
  }
  return { pid: -1, host: hostname(), since: 0, token: 'damaged', epoch: 0 };
}

/** Replaces the lease file atomically (temp file, rename). */
async function writeLease(file: string, content: LeaseFile): Promise<void> {
  await writeAtomically(file, JSON.stringify(content));
}

/** The next epoch: one more than the largest ever handed out for the job, stored before it is used. */
async function nextEpoch(jobDir: string): Promise<number> {
  const file = path.join(jobDir, EPOCH_FILE);
  const text = await readFile(file, 'utf8').catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return '0';
    throw e;
  });
  const epoch = (Number.parseInt(text, 10) || 0) + 1;
  await writeAtomically(file, String(epoch));
  return epoch;
}

async function writeAtomically(file: string, text: string): Promise<void> {
  const temp = `${file}.${randomBytes(4).toString('hex')}.tmp`;
  const handle = await open(temp, 'wx');
  try {
    await handle.writeFile(text);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(temp, file);
}

async function touch(file: string): Promise<void> {
  const now = new Date();
  await utimes(file, now, now);
}

function ignoreNotFound(e: NodeJS.ErrnoException): void {
  if (e.code !== 'ENOENT') throw e;
}
