import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { acquireFsLease } from './fs-job-lease.ts';
import { checkThroughAdvances } from './job-lease.contract.ts';
import { LeaseConflictError, LeaseLostError } from './job-lease.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'weir-lease-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const me = () => ({ pid: process.pid, host: hostname(), since: Date.now() });
const acquire = (holder = me(), ttlMs?: number) => acquireFsLease(holder, { jobName: 'job', jobDir: dir, ttlMs });

/** The pid of a process that has exited (on this host). */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(child.stdout);
}

describe('the file system job lease', () => {
  it('refuses a second holder, naming the first', async () => {
    const first = await acquire();
    const refused = await acquire().catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(LeaseConflictError);
    expect((refused as Error).message).toContain(`pid ${process.pid} on ${hostname()}`);
    await first.release();
  });

  it('does not fence itself when checked, or renewed, while it advances (a restart under load)', async () => {
    // A renewal every 10 ms, and checks all through each advance: with the in-memory epoch set before
    // the file had it, one of them found "another" epoch and the run lost its own lease.
    const lease = await acquire(me(), 40);
    await checkThroughAdvances(lease);
    await new Promise((r) => setTimeout(r, 30));
    await lease.check();
    await lease.release();
  });

  it('gives a larger epoch to every later holder and every advance', async () => {
    const first = await acquire();
    const e1 = first.epoch;
    const e2 = await first.advance();
    expect(e2).toBeGreaterThan(e1);
    await first.release();
    const second = await acquire();
    expect(second.epoch).toBeGreaterThan(e2);
    await second.check();
    await second.release();
  });

  it('is taken over when its holder on this host is gone, and the old holder finds it lost', async () => {
    const first = await acquire({ pid: deadPid(), host: hostname(), since: 1 });
    const second = await acquire();
    expect(second.epoch).toBeGreaterThan(first.epoch);
    await expect(first.check()).rejects.toBeInstanceOf(LeaseLostError);
    await second.check();
    await second.release();
  });

  it('is taken over from another host only once it was not renewed for the ttl', async () => {
    const other = { pid: 4242, host: 'elsewhere.example', since: 1 };
    await writeFile(path.join(dir, '_lease'), JSON.stringify({ ...other, token: 'theirs', epoch: 7 }));
    await expect(acquire(me(), 60_000)).rejects.toBeInstanceOf(LeaseConflictError);
    const old = new Date(Date.now() - 120_000);
    await utimes(path.join(dir, '_lease'), old, old);
    const taken = await acquire(me(), 60_000);
    expect(JSON.parse(await readFile(path.join(dir, '_lease'), 'utf8')).pid).toBe(process.pid);
    await taken.release();
  });

  it('takes over a lease file a crash left cut short', async () => {
    await writeFile(path.join(dir, '_lease'), '{"pid": 12');
    const lease = await acquire();
    await lease.check();
    await lease.release();
  });

  it('is lost once released: checks reject and the file is gone', async () => {
    const lease = await acquire();
    await lease.release();
    await expect(lease.check()).rejects.toBeInstanceOf(LeaseLostError);
    await expect(readFile(path.join(dir, '_lease'))).rejects.toThrow(/ENOENT/);
  });
});
