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
  /** Per sink subtask: how busy its thread's event loop was meanwhile (0..1). */
  readonly busy: readonly number[];
  /** CPU time of the whole process (every thread, the garbage collector's too) over the wall time, from the sinks' first record to their close: cores in use. */
  readonly cores: number;
}

interface Report {
  records: number;
  first: number;
  last: number;
  busy: number;
  cpuMs: number;
}

/** One run's figures from its sinks' reports (of one process, or of several run at once). */
function figures(reports: readonly Report[]): Run {
  const records = reports.reduce((n, r) => n + r.records, 0);
  const first = Math.min(...reports.map((r) => r.first));
  const last = Math.max(...reports.map((r) => r.last));
  // Sinks of one process report the same process-wide CPU time: the largest is the process's.
  const cores = reports.reduce((c, r) => Math.max(c, r.cpuMs / Math.max(1, r.last - r.first)), 0);
  return { records, recordsPerSecond: (records * 1000) / Math.max(1, last - first), busy: reports.map((r) => r.busy), cores };
}

/** Runs `jobs.ts` once with `env`; its sinks' `BENCH` lines make the figures. */
async function runJob(env: Record<string, string>): Promise<Run> {
  return figures(await jobReports(env));
}

/** Runs `jobs.ts` once with `env`; resolves with its sinks' reports. */
async function jobReports(env: Record<string, string>): Promise<Report[]> {
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
    return err
      .split('\n')
      .filter((l) => l.startsWith('BENCH '))
      .map((l) => JSON.parse(l.slice(6)) as Report);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/**
 * How far two cores take this job with nothing shared: `processes` copies of it on the main
 * thread at parallelism 1, each with its share of the records, started at once. A ceiling for the
 * workers' figure: a job on threads also moves records between them and shares one process.
 */
async function copiesAtOnce(job: Record<string, string>, processes: number): Promise<Run> {
  const records = Math.floor(Number(job.RECORDS) / processes);
  const env = { ...job, PARALLELISM: '1', WORKERS: '1', RECORDS: String(records) };
  const each = await Promise.all(Array.from({ length: processes }, () => jobReports(env)));
  // Each process measures its own CPU time: the cores in use are their sum.
  return { ...figures(each.flat()), cores: each.reduce((c, reports) => c + figures(reports).cores, 0) };
}

const share = (x: number): string => x.toFixed(2);
const describe = (r: Run): string => `${(r.recordsPerSecond / 1e6).toFixed(2)} M/s (${share(r.cores)} cores; loops busy ${r.busy.map(share).join(', ')})`;

/** One pipeline of the experiment: its job's environment, and how its two cases are named. */
interface Spec {
  readonly name: string;
  readonly job: Record<string, string>;
  readonly label: (workers: number) => string;
  /** Also that many copies of it as processes of their own at once ({@link copiesAtOnce}). */
  readonly ceiling?: boolean;
}

/**
 * Pipelines at 1 worker (baseline) and at `workers`, round by round: within a round every
 * pipeline runs in turn, so that pipelines compared with each other (the keyed count with and
 * without checkpoints) are measured minutes apart at most, on the same machine.
 */
async function compare(specs: readonly Spec[], workers: number, rounds: number, progress: Progress | undefined): Promise<CaseResult[][]> {
  const runs = specs.map(() => ({ one: [] as Run[], many: [] as Run[], copies: [] as Run[] }));
  for (let r = 0; r < rounds; r++) {
    for (const [i, { name, job, ceiling }] of specs.entries()) {
      const { one, many, copies } = runs[i];
      progress?.start(`${name} · round ${r + 1}/${rounds}`);
      one.push(await runJob({ ...job, WORKERS: '1' }));
      many.push(await runJob({ ...job, WORKERS: String(workers) }));
      if (ceiling === true) copies.push(await copiesAtOnce(job, workers));
      progress?.finish(
        `${name} round ${r + 1}: main thread ${describe(one[r])} → ${workers} workers ${describe(many[r])}` +
          (ceiling === true ? `; ${workers} processes at once ${describe(copies[r])}` : ''),
      );
    }
  }
  return specs.map((spec, i) => rowsOf(spec, runs[i], workers));
}

function rowsOf({ name, job, label, ceiling }: Spec, { one, many, copies }: { one: Run[]; many: Run[]; copies: Run[] }, workers: number): CaseResult[] {
  if (one.some((x) => x.records !== one[0].records) || many.some((x) => x.records !== one[0].records)) {
    throw new Error(`${name}: the runs took different numbers of records`);
  }
  // The copies share the records out evenly: all of them, but for a remainder below `workers`.
  if (copies.some((x) => x.records !== one[0].records - (one[0].records % workers))) {
    throw new Error(`${name}: the copies at once took other numbers of records than the job`);
  }
  const ratiosOf = (runs: readonly Run[]) => runs.map((m, i) => m.recordsPerSecond / one[i].recordsPerSecond);
  const row = (runs: Run[], variant: string, caseLabel: string, w: number, baseline: boolean) => {
    const ratios = ratiosOf(runs);
    return measuredCase({
      experiment: 'threads',
      case: `${name} ${caseLabel}`,
      query: name,
      variant,
      events: runs[0].records,
      rounds: runs.map((x) => x.recordsPerSecond),
      perCore: median(runs.map((x) => x.recordsPerSecond / x.cores)),
      baselineRatio: baseline ? 1 : median(ratios),
      baseline: baseline ? null : `${name} ${label(1)}`,
      parallelism: Number(job.PARALLELISM),
      checkpointIntervalMs: Number(job.CHECKPOINT_MS ?? '0') || null,
      outputRecords: runs.reduce((n, x) => Math.max(n, x.records), 0),
      extra: {
        workers: w,
        cores: availableParallelism(),
        coresUsed: runs.map((x) => x.cores),
        loopsBusy: runs.map((x) => x.busy),
        ratios: baseline ? undefined : ratios,
      },
    });
  };
  const rows = [row(one, 'main thread', label(1), 1, true), row(many, `${workers} workers`, label(workers), workers, false)];
  if (ceiling === true) rows.push(row(copies, `${workers} processes`, `${workers} processes at once (ceiling)`, 1, false));
  return rows;
}

export async function runThreads(records: number, rounds: number, progress?: Progress): Promise<CaseResult[]> {
  const workers = Math.max(2, availableParallelism());
  console.log(`threads: ${availableParallelism()} cores; each pipeline on the main thread, then on ${workers} worker threads`);
  const rows: CaseResult[] = [];
  const p = String(workers);
  const plainLabel = (w: number) => (w === 1 ? 'main thread' : `${w} workers`);
  // The default 3M records: a run of a few seconds, so that the workers' start and the moment each one takes its first record weigh little.
  const [cpuHeavy] = await compare([{ name: 'cpu-heavy', job: { JOB: 'cpu-heavy', PARALLELISM: p, RECORDS: String(records), KEYS: '10000' }, label: plainLabel, ceiling: true }], workers, rounds, progress);
  const [micro] = await compare([{ name: 'micro-rebalance', job: { JOB: 'micro', PARALLELISM: p, RECORDS: String(records) }, label: plainLabel }], workers, rounds, progress);
  // Ten times the records: runs of several seconds on the workers (about 5 s on this 2-core machine),
  // so that several 1 s checkpoints of the 1M keys fall inside each and the start weighs little.
  const keyed = { JOB: 'keyed-state', PARALLELISM: p, RECORDS: String(records * 10), KEYS: '1000000' };
  const [plain, checkpointed] = await compare(
    [
      { name: 'keyed-1M', job: keyed, label: plainLabel },
      { name: 'keyed-1M-ckpt-1s', job: { ...keyed, CHECKPOINT_MS: '1000' }, label: (w) => (w === 1 ? 'main thread, ckpt 1 s' : `${w} workers, ckpt 1 s`) },
    ],
    workers,
    rounds,
    progress,
  );
  rows.push(...cpuHeavy, ...micro, ...plain, ...checkpointed);
  for (const r of rows) {
    const used = (r.extra as { coresUsed: number[] }).coresUsed;
    const cores = `${median(used).toFixed(2)} cores used`;
    if (r.variant !== 'main thread') console.log(`  ${r.case.padEnd(44)} ${(r.recordsPerSecond / 1e6).toFixed(2)} M records/s   ratio to main thread ${r.baselineRatio?.toFixed(2)}   ${cores}`);
    else console.log(`  ${r.case.padEnd(44)} ${(r.recordsPerSecond / 1e6).toFixed(2)} M records/s                         ${cores}`);
  }
  // Issue 14's figure: on the workers, checkpoints every second against none, round by round.
  const withCkpt = checkpointed[1].recordsPerSecondRounds;
  const without = plain[1].recordsPerSecondRounds;
  const overhead = withCkpt.map((x, i) => x / without[i]);
  console.log(`  keyed-1M on ${workers} workers: checkpoints every 1 s / none = ${median(overhead).toFixed(2)} (rounds ${overhead.map((x) => x.toFixed(2)).join(', ')})`);
  console.log(
    "  cores used: CPU time of the whole process (every thread, the garbage collector's too) over wall time, from the sinks' first record to their close;" +
      '\n  the ceiling: copies of the job at parallelism 1, each a process of its own with its share of the records, started at once',
  );
  return rows;
}
