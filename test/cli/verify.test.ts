import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { planKill } from '../../packages/cli/src/verify/kill-plan.ts';
import { seededRandom } from '../../packages/cli/src/verify/seeded-random.ts';
import { crashSeed } from '../support/seeded-random.ts';
import { useRedis } from '../support/use-redis.ts';
import { runWeir } from './support/weir-cli.ts';

/**
 * The first seed from `seed` on whose kill plan (`weir verify`'s own) has a kill while records flow.
 * An at-least-once sink doubles only what it wrote before a kill: a plan of start-up kills alone
 * (worker threads take seconds to start on a loaded machine) shows nothing to report. The kinds a
 * seed draws do not depend on the timings, so a dummy reference gives the same kinds.
 */
function seedWithKillWhileRunning(seed: number, kills: number): number {
  const reference = { startupMs: 1000, activeMs: 1000, checkpointsTriggered: 10, checkpointsCompleted: 10 };
  for (let s = seed >>> 0; ; s = (s + 1) >>> 0) {
    const random = seededRandom(s);
    if (Array.from({ length: kills }, () => planKill(random, reference, kills)).some((k) => k.kind !== 'start')) return s;
  }
}

const job = (name: string): string => fileURLToPath(new URL(`./jobs/${name}`, import.meta.url));
const PAGE_VIEWS = fileURLToPath(new URL('../../examples/page-views.ts', import.meta.url));
/** Short runs: 12,000 records at 8,000 per second, a checkpoint every 100 ms. */
const SHORT = { COUNT: '12000', RATE: '8000' };
/** Each run may take 90 s (a loaded machine), and verify stops its runs then: it must not outlive the test. */
const RUN_TIMEOUT = ['--timeout', '90'];
const TIMEOUT = 600_000;

const redis = useRedis();

describe('weir verify with file sinks', () => {
  it('passes a job whose file sink is exactly-once, and prints the seed and the kills', async () => {
    const seed = crashSeed('weir verify exactly-once files');
    const work = await mkdtemp(join(tmpdir(), 'weir-verify-test-'));
    try {
      const r = await runWeir(['verify', job('verify-counts-job.ts'), '--kills', '3', '--seed', String(seed), '--work-dir', work, ...RUN_TIMEOUT], SHORT);
      expect(r.code, `seed ${seed}\n${r.stdout}\n${r.stderr}`).toBe(0);
      expect(r.stdout).toContain(`seed ${seed} (repeat the kill points with --seed ${seed})`);
      expect(r.stdout).toMatch(/uninterrupted run: finished in .*, 12,000 records committed/);
      expect(r.stdout).toMatch(/killed run: [1-3] of 3 kills \(SIGKILL\)/);
      expect(r.stdout).toMatch(/ {2}kill 1 {2}(start|running|checkpoint \d+) \+\d+ ms, (no checkpoint|\d+ checkpoints?) completed/);
      expect(r.stdout).toContain('PASS: the killed run committed the same 12,000 records as the uninterrupted run, each as often');
      // A work directory the user named is kept, emptied of the runs once they match.
      expect(await readdir(work)).toEqual([]);
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  }, TIMEOUT);

  it('reports the records an at-least-once sink writes twice after a kill, with exit code 1', async () => {
    const seed = seedWithKillWhileRunning(crashSeed('weir verify at-least-once files'), 4);
    const r = await runWeir(['verify', job('verify-at-least-once-job.ts'), '--kills', '4', '--seed', String(seed), '--show', '3', ...RUN_TIMEOUT], SHORT);
    expect(r.code, `seed ${seed}\n${r.stdout}\n${r.stderr}`).toBe(1);
    expect(r.stdout).toMatch(/FAIL: [\d,]+ records doubled, 0 lost, 0 never written by the uninterrupted run \(killed run [\d,]+ records, uninterrupted 12,000\)/);
    expect(r.stdout).toMatch(/doubled \(the killed run wrote them more often\): [\d,]+ distinct records?\n {2}\+ \{"k":"k\d+","n":\d+,"i":\d+\} {2}×[2-9], uninterrupted ×1/);
    const kept = /runs kept in (\S+)/.exec(r.stdout)?.[1];
    expect(kept).toBeDefined();
    expect((await readdir(kept!)).sort()).toEqual(['killed', 'reference']);
    await rm(kept!, { recursive: true, force: true });
  }, TIMEOUT);

  it('refuses to start without --kills, with an absolute --output-dir, or with two outputs', async () => {
    const file = job('verify-counts-job.ts');
    const none = await runWeir(['verify', file]);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('missing --kills N');
    const absolute = await runWeir(['verify', file, '--kills', '1', '--output-dir', '/tmp/out']);
    expect(absolute.code).toBe(2);
    expect(absolute.stderr).toContain('--output-dir must be relative');
    const both = await runWeir(['verify', file, '--kills', '1', '--output-dir', 'out', '--output-stream', 'redis://127.0.0.1:6379/s']);
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('--output-dir and --output-stream conflict');
  });

  // Half a minute per run: run with WEIR_SOAK=1 (npx vitest run test/cli/verify.test.ts).
  it.runIf(process.env.WEIR_SOAK === '1')('passes examples/page-views.ts as it is', async () => {
    const seed = crashSeed('weir verify page-views');
    const r = await runWeir(['verify', PAGE_VIEWS, '--kills', '3', '--seed', String(seed), '--output-dir', 'out/page-views']);
    expect(r.code, `seed ${seed}\n${r.stdout}\n${r.stderr}`).toBe(0);
    expect(r.stdout).toContain('PASS: the killed run committed the same 60,000 records');
  }, 600_000);
});

describe('weir verify with a Redis stream', () => {
  const verifyStream = async (stream: string, seed: number, atLeastOnce: boolean) =>
    runWeir(['verify', job('verify-stream-job.ts'), '--kills', atLeastOnce ? '4' : '2', '--seed', String(seed), '--output-stream', `${redis.url}/${stream}`, '--show', '2', ...RUN_TIMEOUT], {
      ...SHORT,
      OUT_REDIS: redis.url,
      OUT_STREAM: stream,
      AT_LEAST_ONCE: atLeastOnce ? '1' : '0',
    });

  it('passes an exactly-once stream sink and removes what the runs wrote', async () => {
    const seed = crashSeed('weir verify exactly-once stream');
    const stream = `verify-${seed}-eo`;
    const r = await verifyStream(stream, seed, false);
    expect(r.code, `seed ${seed}\n${r.stdout}\n${r.stderr}`).toBe(0);
    expect(r.stdout).toContain(`compared: entries the runs added to the stream ${stream}`);
    expect(r.stdout).toContain('PASS: the killed run committed the same 12,000 records');
    expect(await redis.shared.xlen(stream)).toBe(0);
    expect(await redis.shared.keys('weir:*verify-stream-job-verify-*')).toEqual([]);
  }, TIMEOUT);

  it('reports the doubled entries of an at-least-once stream sink', async () => {
    const seed = seedWithKillWhileRunning(crashSeed('weir verify at-least-once stream'), 4);
    const stream = `verify-${seed}-alo`;
    await redis.shared.xadd(stream, '*', 'value', 'written before verify');
    const r = await verifyStream(stream, seed, true);
    expect(r.code, `seed ${seed}\n${r.stdout}\n${r.stderr}`).toBe(1);
    expect(r.stdout).toMatch(/FAIL: [\d,]+ records doubled, 0 lost/);
    expect(r.stdout).toMatch(/ {2}\+ \{"k":"k\d+","n":\d+,"i":\d+\} {2}×[2-9], uninterrupted ×1/);
    // Entries that were there before are not output of the runs, and stay.
    expect((await redis.shared.xrange(stream, '-', '+')).map(([, f]) => f)).toEqual([['value', 'written before verify']]);
    const kept = /runs kept in (\S+)/.exec(r.stdout)?.[1];
    if (kept !== undefined) await rm(kept, { recursive: true, force: true });
  }, TIMEOUT);
});
