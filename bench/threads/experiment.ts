/**
 * Threads: the same job on worker threads against the main thread only, in the same run, in
 * processes of their own (each case starts `jobs.ts`, which a worker thread loads again). Three
 * pipelines: a CPU-heavy keyed one (JSON parse and aggregate), the stateless micro pipeline with a
 * rebalance (so that on two threads its records cross a thread boundary), and a keyed count over
 * many keys with and without checkpoints every second. Throughput counts the records the sinks
 * took, from the first to the last, so the time worker threads take to start is left out. Prints
 * the core count, so the scaling can be measured again on a bigger machine.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Progress } from '../lib/progress.ts';
import { measuredCase, type CaseResult } from '../lib/results.ts';

const JOBS = fileURLToPath(new URL('./jobs.ts', import.meta.url));
const TSX = fileURLToPath(import.meta.resolve('tsx'));

interface Run {
  readonly records: number;
  /** Records per second, from the first record a sink took to the last. */
  readonly recordsPerSecond: number;
}

/** Runs `jobs.ts` once with `env`; its sinks' `BENCH` lines make the figures. */
async function runJob(env: Record<string, string>): Promise<Run> {
  const dir = await mkdtemp(join(tmpdir(), 'weir-bench-threads-'));
  try {
    const child = spawn(process.execPath, ['--conditions=development', '--import', TSX, JOBS], {
      env: { ...process.env, CK_DIR: dir, ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let err = '';
    child.stderr.setEncoding('utf8').on('data', (c: string) => (err += c));
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    if (code !== 0) throw new Error(`jobs.ts ${JSON.stringify(env)} exited with ${code}:\n${err.slice(-2000)}`);
    const reports = err
      .split('\n')
      .filter((l) => l.startsWith('BENCH '))
      .map((l) => JSON.parse(l.slice(6)) as { records: number; first: number; last: number });
    const records = reports.reduce((n, r) => n + r.records, 0);
    const first = Math.min(...reports.map((r) => r.first));
    const last = Math.max(...reports.map((r) => r.last));
    return { records, recordsPerSecond: (records * 1000) / Math.max(1, last - first) };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** One pipeline at 1 worker (baseline) and at `workers`, alternating round by round. */
async function compare(
  name: string,
  job: Record<string, string>,
  workers: number,
  rounds: number,
  progress: Progress | undefined,
  label: (w: number) => string,
): Promise<CaseResult[]> {
  const one: Run[] = [];
  const many: Run[] = [];
  for (let r = 0; r < rounds; r++) {
    progress?.start(`${name} · round ${r + 1}/${rounds}`);
    one.push(await runJob({ ...job, WORKERS: '1' }));
    many.push(await runJob({ ...job, WORKERS: String(workers) }));
    progress?.finish(`${name} round ${r + 1}: ${(one[r].recordsPerSecond / 1e6).toFixed(2)} → ${(many[r].recordsPerSecond / 1e6).toFixed(2)} M records/s`);
  }
  if (one.some((x) => x.records !== one[0].records) || many.some((x) => x.records !== one[0].records)) {
    throw new Error(`${name}: the runs took different numbers of records`);
  }
  const ratios = many.map((m, i) => m.recordsPerSecond / one[i].recordsPerSecond);
  const row = (runs: Run[], w: number, baseline: boolean) =>
    measuredCase({
      experiment: 'threads',
      case: `${name} ${label(w)}`,
      query: name,
      variant: baseline ? 'main thread' : `${w} workers`,
      events: runs[0].records,
      rounds: runs.map((x) => x.recordsPerSecond),
      baselineRatio: baseline ? 1 : median(ratios),
      baseline: baseline ? null : `${name} ${label(1)}`,
      parallelism: Number(job.PARALLELISM),
      checkpointIntervalMs: Number(job.CHECKPOINT_MS ?? '0') || null,
      outputRecords: runs[0].records,
      extra: { workers: w, cores: availableParallelism(), ratios: baseline ? undefined : ratios },
    });
  return [row(one, 1, true), row(many, workers, false)];
}

export async function runThreads(records: number, rounds: number, progress?: Progress): Promise<CaseResult[]> {
  const workers = Math.max(2, availableParallelism());
  console.log(`threads: ${availableParallelism()} cores; each pipeline on the main thread, then on ${workers} worker threads`);
  const rows: CaseResult[] = [];
  const p = String(workers);
  rows.push(...(await compare('cpu-heavy', { JOB: 'cpu-heavy', PARALLELISM: p, RECORDS: String(Math.min(records, 1_000_000)), KEYS: '10000' }, workers, rounds, progress, (w) => (w === 1 ? 'main thread' : `${w} workers`))));
  rows.push(...(await compare('micro-rebalance', { JOB: 'micro', PARALLELISM: p, RECORDS: String(records) }, workers, rounds, progress, (w) => (w === 1 ? 'main thread' : `${w} workers`))));
  const keyed = { JOB: 'keyed-state', PARALLELISM: p, RECORDS: String(records), KEYS: '1000000' };
  rows.push(...(await compare('keyed-1M', keyed, workers, rounds, progress, (w) => (w === 1 ? 'main thread' : `${w} workers`))));
  rows.push(...(await compare('keyed-1M-ckpt-1s', { ...keyed, CHECKPOINT_MS: '1000' }, workers, rounds, progress, (w) => (w === 1 ? 'main thread, ckpt 1 s' : `${w} workers, ckpt 1 s`))));
  for (const r of rows) {
    if (r.variant !== 'main thread') console.log(`  ${r.case.padEnd(40)} ${(r.recordsPerSecond / 1e6).toFixed(2)} M records/s   ratio to main thread ${r.baselineRatio?.toFixed(2)}`);
    else console.log(`  ${r.case.padEnd(40)} ${(r.recordsPerSecond / 1e6).toFixed(2)} M records/s`);
  }
  return rows;
}
