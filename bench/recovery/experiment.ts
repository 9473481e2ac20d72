/**
 * Recovery: how long a job with keyed state takes to come back after its process is killed, and
 * what the checkpoint it comes back from costs. For each state size (10k, 1M and 5M keys; 10k and
 * 1M with --quick; BENCH_RECOVERY_KEYS=10k,1M,… sets them), each round:
 *
 *   1. build: a child process runs `job.ts` (in-process at parallelism 1, then on 2 worker
 *      threads at parallelism 2) on a new checkpoint directory until a checkpoint that holds
 *      every key is complete; its size is the bytes of its `chk-<n>` directory, its duration
 *      (trigger to completion) the job's checkpoint history
 *      (`_checkpoint-history.json`, what `weir checkpoints history` reads), else its log line. The
 *      process is then SIGKILLed.
 *   2. restore: a second process on the same directory; recovery time is from its spawn (in this
 *      process) to the line the job prints when its first record after the restore arrives. The
 *      child's own clock (ms since its time origin) is reported beside it, with when its imports
 *      were done and when the checkpoint was loaded, and its peak RSS up to that record.
 *
 * The baseline, measured in every round, is the same job from spawn to first record with nothing
 * to restore (a new directory): the ratio is recovery time over it (above 1: slower), so it shows
 * what restoring costs on top of starting Node, tsx, @weir/core and the job.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CHECKPOINT_HISTORY_RECORD, decodeCheckpointHistory, type CheckpointHistoryRecord } from '@weir/core';
import type { Progress } from '../lib/progress.ts';
import { measuredCase, type CaseResult } from '../lib/results.ts';
import { median } from '../lib/stats.ts';

const JOB = fileURLToPath(new URL('./job.ts', import.meta.url));
const TSX = fileURLToPath(import.meta.resolve('tsx'));
const JOB_NAME = 'bench-recovery';
/** Issue 15: 1M keyed entries back in under 1.5 s from process start to first record. */
const TARGET = { keys: 1_000_000, ms: 1500 } as const;
/** Building and checkpointing 5M keys takes a while on a shared 2-core machine. */
const BUILD_TIMEOUT_MS = 15 * 60_000;
const RESTORE_TIMEOUT_MS = 5 * 60_000;
/** The job writes its history at most once a second, and starts no checkpoint for 3 s after one completes. */
const HISTORY_WAIT_MS = 2500;
/** How the job runs: on the main thread (parallelism 1), or its counter over two worker threads. */
interface Mode {
  readonly label: string;
  readonly workers: number;
  readonly parallelism: number;
}
const MODES: readonly Mode[] = [
  { label: 'in-process p=1', workers: 1, parallelism: 1 },
  // The source stays one subtask (its maxParallelism is 1); the counter's two subtasks each restore their own key groups in their own thread.
  { label: '2 workers p=2', workers: 2, parallelism: 2 },
];

/** What a start of the job is run with. */
interface Launch {
  readonly mode: Mode;
  /** Load @weir/core from src/ through tsx instead of dist/. */
  readonly coreFromSource: boolean;
}

export interface RecoveryOptions {
  /** State sizes: distinct keys in the keyed ValueState. */
  readonly keys: readonly number[];
  readonly rounds: number;
  /** Load @weir/core from src/ through tsx (`--conditions=development`) instead of dist/. */
  readonly coreFromSource?: boolean;
}

/** The sizes: `BENCH_RECOVERY_KEYS` (`10k,1M`, `10000,1e6`), else 10k, 1M and 5M (10k and 1M if quick). */
export function recoveryKeys(text: string | undefined, quick: boolean): number[] {
  if (text === undefined || text.trim() === '') return quick ? [10_000, 1_000_000] : [10_000, 1_000_000, 5_000_000];
  return text.split(',').map((part) => {
    const m = /^([\d_.eE+]+)([kKmM]?)$/.exec(part.trim());
    const n = m === null ? NaN : Number(m[1].replaceAll('_', '')) * (m[2] === '' ? 1 : m[2].toLowerCase() === 'k' ? 1e3 : 1e6);
    if (!Number.isSafeInteger(n) || n < 1) throw new Error(`BENCH_RECOVERY_KEYS: '${part}' is not a whole number ≥ 1`);
    return n;
  });
}

/** A `BENCH {...}` line of the job, with when this process read it (ms since the spawn). */
interface BenchEvent {
  readonly event: string;
  /** The child's `performance.now()`: ms since its time origin. */
  readonly t: number;
  /** Ms from the spawn (this process's clock) to reading the line. */
  readonly at: number;
  readonly [field: string]: unknown;
}

/** A pino line of the job. */
interface LogLine {
  readonly msg: string;
  /** Epoch ms. */
  readonly time: number;
  readonly level: number;
  readonly [field: string]: unknown;
}

/** One run of `job.ts`: its events and logs as they arrive. */
class JobProcess {
  readonly events: BenchEvent[] = [];
  readonly logs: LogLine[] = [];
  readonly #child: ChildProcess;
  readonly #exited: Promise<void>;
  #exitedWith: string | undefined;
  #tail: string[] = [];
  #waiters: Array<{ event: string; resolve: (e: BenchEvent) => void; reject: (e: Error) => void }> = [];

  constructor(dir: string, keys: number, launch: Launch) {
    const node = [...(launch.coreFromSource ? ['--conditions=development'] : []), '--import', TSX, JOB];
    const spawnedAt = performance.now();
    this.#child = spawn(process.execPath, node, {
      env: { ...process.env, CK_DIR: dir, KEYS: String(keys), WORKERS: String(launch.mode.workers), PARALLELISM: String(launch.mode.parallelism) },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let partial = '';
    this.#child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
      const at = performance.now() - spawnedAt;
      const lines = (partial + chunk).split('\n');
      partial = lines.pop()!;
      for (const line of lines) this.#line(line, at);
    });
    this.#exited = new Promise((resolve) =>
      this.#child.on('exit', (code, signal) => {
        this.#exitedWith = signal ?? `code ${code}`;
        for (const w of this.#waiters) w.reject(new Error(`the job exited with ${this.#exitedWith} before '${w.event}':\n${this.tail()}`));
        this.#waiters = [];
        resolve();
      }),
    );
  }

  #line(line: string, at: number): void {
    this.#tail.push(line);
    if (this.#tail.length > 40) this.#tail.shift();
    if (line.startsWith('BENCH ')) {
      const e = { ...(JSON.parse(line.slice(6)) as { event: string; t: number }), at };
      this.events.push(e);
      this.#waiters = this.#waiters.filter((w) => (w.event === e.event ? (w.resolve(e), false) : true));
    } else if (line.startsWith('{')) {
      try {
        this.logs.push(JSON.parse(line) as LogLine);
      } catch {
        // not a log line
      }
    }
  }

  /** Resolves with the job's first `event` line; rejects if the job exits first or after `timeoutMs`. */
  waitFor(event: string, timeoutMs: number): Promise<BenchEvent> {
    const seen = this.events.find((e) => e.event === event);
    if (seen !== undefined) return Promise.resolve(seen);
    if (this.#exitedWith !== undefined) return Promise.reject(new Error(`the job exited with ${this.#exitedWith} before '${event}':\n${this.tail()}`));
    return new Promise<BenchEvent>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no '${event}' from the job in ${timeoutMs / 1000} s:\n${this.tail()}`)), timeoutMs);
      this.#waiters.push({
        event,
        resolve: (e) => (clearTimeout(timer), resolve(e)),
        reject: (e) => (clearTimeout(timer), reject(e)),
      });
    });
  }

  event(name: string): BenchEvent | undefined {
    return this.events.find((e) => e.event === name);
  }

  log(test: (l: LogLine) => boolean): LogLine | undefined {
    return this.logs.find(test);
  }

  /** SIGKILL, as a crash; resolves once the process is gone (reaped: its pid no longer runs). */
  async kill(): Promise<void> {
    if (this.#exitedWith === undefined) this.#child.kill('SIGKILL');
    await this.#exited;
  }

  tail(): string {
    return this.#tail.map((l) => (l.length > 400 ? `${l.slice(0, 400)}…` : l)).join('\n');
  }
}

/** What a build round left on disk. */
interface Build {
  readonly checkpointId: number;
  readonly bytes: number;
  readonly durationMs: number;
  readonly durationFrom: 'history' | 'log';
  /** The state size the checkpoint stats recorded (bytes), when the history held the checkpoint. */
  readonly statsStateSize: number | null;
  readonly completed: number;
  readonly failed: number;
  /** The newest complete checkpoint once the process was killed: the one a restore picks. */
  readonly latest: number | undefined;
  /** Ms from the job's imports being done to the last key emitted. */
  readonly buildMs: number;
}

/** Ms since the child's time origin at which it logged `line`. */
function childTime(p: JobProcess, line: LogLine | undefined): number | null {
  const origin = p.event('module')?.timeOrigin;
  return line === undefined || typeof origin !== 'number' ? null : line.time - origin;
}

async function build(dir: string, keys: number, launch: Launch): Promise<Build> {
  const p = new JobProcess(dir, keys, launch);
  try {
    const full = await p.waitFor('full-checkpoint', BUILD_TIMEOUT_MS);
    const checkpointId = full.id as number;
    const jobDir = join(dir, JOB_NAME);
    // Now, before a later checkpoint can replace it.
    const bytes = await directoryBytes(join(jobDir, `chk-${checkpointId}`));
    const logged = p.log((l) => l.msg === 'checkpoint completed' && l.checkpointId === checkpointId);
    const history = await historyWith(jobDir, checkpointId, HISTORY_WAIT_MS);
    await p.kill();
    const entry = history?.checkpoints.find((c) => c.checkpointId === checkpointId && c.status === 'completed');
    const durationMs = entry?.durationMs ?? (logged?.durationMs as number | undefined);
    if (durationMs === undefined) throw new Error(`checkpoint ${checkpointId}: neither the history nor the log has its duration`);
    const module = p.event('module')!;
    return {
      checkpointId,
      bytes,
      durationMs,
      durationFrom: entry === undefined ? 'log' : 'history',
      statsStateSize: entry?.stateSize ?? null,
      completed: p.logs.filter((l) => l.msg === 'checkpoint completed').length,
      failed: p.logs.filter((l) => /^checkpoint (aborted|failed)/.test(l.msg)).length,
      latest: await latestComplete(jobDir),
      buildMs: (p.event('built')?.t ?? NaN) - module.t,
    };
  } finally {
    await p.kill();
  }
}

/** One start of the job, spawn to first record: after a crash (restore) or on a new directory (baseline). */
interface Start {
  /** Spawn (here) to the first-record line read (here). */
  readonly spawnToFirstMs: number;
  /** The child's `performance.now()` at its first record: ms since its time origin. */
  readonly childSawMs: number;
  /** Child ms: imports done (the job module runs), checkpoint loaded (`restoring from` logged), first record. */
  readonly importsDoneMs: number;
  readonly stateLoadedMs: number | null;
  /** Child ms at `tasks running` (every subtask deployed: operators opened, keyed state in its tables). */
  readonly tasksRunningMs: number | null;
  readonly peakRssMb: number;
  readonly restoredCheckpointId: number | null;
  /** The counter the first record found for its key: more than 0 after a restore, 0 on a new directory. */
  readonly found: number;
}

async function start(dir: string, keys: number, launch: Launch): Promise<Start> {
  const p = new JobProcess(dir, keys, launch);
  try {
    const first = await p.waitFor('first-record', RESTORE_TIMEOUT_MS);
    await p.kill();
    const restoring = p.log((l) => l.msg.startsWith('restoring from'));
    return {
      spawnToFirstMs: first.at,
      childSawMs: first.t,
      importsDoneMs: p.event('module')!.t,
      stateLoadedMs: childTime(p, restoring),
      tasksRunningMs: childTime(p, p.log((l) => l.msg === 'tasks running')),
      peakRssMb: (first.maxRssKb as number) / 1024,
      restoredCheckpointId: restoring === undefined ? null : (restoring.checkpointId as number),
      found: first.found as number,
    };
  } finally {
    await p.kill();
  }
}

/** Waits (up to `timeoutMs`) for the job's persisted history to hold checkpoint `id`; the last one read, if any. */
async function historyWith(jobDir: string, id: number, timeoutMs: number): Promise<CheckpointHistoryRecord | undefined> {
  const until = performance.now() + timeoutMs;
  let record: CheckpointHistoryRecord | undefined;
  for (;;) {
    try {
      record = decodeCheckpointHistory(await readFile(join(jobDir, `_${CHECKPOINT_HISTORY_RECORD}`)));
    } catch {
      // not written yet
    }
    if (record?.checkpoints.some((c) => c.checkpointId === id && c.status === 'completed') === true || performance.now() >= until) return record;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Bytes of the files below `dir`. */
async function directoryBytes(dir: string): Promise<number> {
  let bytes = 0;
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) bytes += (await stat(join(e.parentPath, e.name))).size;
  }
  return bytes;
}

/** The highest id of a `chk-<n>` with its `_metadata`. */
async function latestComplete(jobDir: string): Promise<number | undefined> {
  let latest: number | undefined;
  for (const name of await readdir(jobDir)) {
    const m = /^chk-(\d+)$/.exec(name);
    if (m === null) continue;
    const ok = await stat(join(jobDir, name, '_metadata')).then(
      () => true,
      () => false,
    );
    if (ok && (latest === undefined || Number(m[1]) > latest)) latest = Number(m[1]);
  }
  return latest;
}

async function withDir<T>(work: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'weir-bench-recovery-'));
  try {
    return await work(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const count = (n: number): string => n.toLocaleString('en');
const ms = (x: number | null): string => (x === null || !Number.isFinite(x) ? '–' : `${count(Math.round(x))} ms`);
const sizeLabel = (n: number): string => (n % 1_000_000 === 0 ? `${n / 1_000_000}M` : n % 1000 === 0 ? `${n / 1000}k` : String(n));
const medianOf = <T>(xs: readonly T[], pick: (x: T) => number | null): number | null => {
  const v = xs.map(pick).filter((x): x is number => x !== null && Number.isFinite(x));
  return v.length === 0 ? null : median(v);
};

export async function runRecovery(options: RecoveryOptions, progress?: Progress): Promise<CaseResult[]> {
  const rows: CaseResult[] = [];
  for (const mode of MODES) rows.push(...(await runMode(options, { mode, coreFromSource: options.coreFromSource === true }, progress)));
  return rows;
}

/** Every size in one mode: rounds of baseline, build and restore; prints its table. */
async function runMode(options: RecoveryOptions, launch: Launch, progress?: Progress): Promise<CaseResult[]> {
  const { keys: sizes, rounds } = options;
  const fromSource = launch.coreFromSource;
  const modeLabel = launch.mode.label;
  const core = fromSource ? '@weir/core from src/ (tsx)' : '@weir/core from dist/';
  console.log(
    `recovery: ${modeLabel} (${launch.mode.workers === 1 ? 'one event loop' : `${launch.mode.workers} worker threads, each restoring its own subtasks' key groups`}), file system checkpoints; ` +
      `${sizes.map(count).join(', ')} keys; ${rounds} round${rounds === 1 ? '' : 's'}; the job through tsx, ${core}`,
  );
  const baseline: Start[] = [];
  const built = new Map<number, Build[]>(sizes.map((n) => [n, []]));
  const restored = new Map<number, Start[]>(sizes.map((n) => [n, []]));
  for (let r = 0; r < rounds; r++) {
    const round = `round ${r + 1}/${rounds}`;
    progress?.start(`recovery ${modeLabel}: baseline (empty state) · ${round}`);
    const b = await withDir((dir) => start(dir, sizes[0], launch));
    if (b.restoredCheckpointId !== null || b.found !== 0) throw new Error('recovery baseline: the job restored something from a new directory');
    baseline.push(b);
    progress?.finish(`spawn to first record ${ms(b.spawnToFirstMs)} (child saw ${ms(b.childSawMs)})`);
    for (const n of sizes) {
      await withDir(async (dir) => {
        progress?.start(`recovery ${modeLabel}: ${sizeLabel(n)} keys, build and checkpoint · ${round}`);
        const k = await build(dir, n, launch);
        progress?.finish(`checkpoint ${k.checkpointId}: ${count(k.bytes)} bytes in ${ms(k.durationMs)} (from the ${k.durationFrom}); keys emitted in ${ms(k.buildMs)}; killed`);
        progress?.start(`recovery ${modeLabel}: ${sizeLabel(n)} keys, restore · ${round}`);
        const s = await start(dir, n, launch);
        if (s.restoredCheckpointId === null || s.found < 1) throw new Error(`recovery ${n} keys: the job did not restore its state (${JSON.stringify(s)})`);
        if (s.restoredCheckpointId !== k.latest) throw new Error(`recovery ${n} keys: restored checkpoint ${s.restoredCheckpointId}, the newest complete one is ${k.latest}`);
        if (k.latest !== k.checkpointId) console.log(`  (${sizeLabel(n)} keys, ${round}: checkpoint ${k.latest} completed after the measured ${k.checkpointId}; it has the same keys)`);
        built.get(n)!.push(k);
        restored.get(n)!.push(s);
        progress?.finish(`spawn to first record ${ms(s.spawnToFirstMs)} (child saw ${ms(s.childSawMs)}), checkpoint ${s.restoredCheckpointId} loaded at ${ms(s.stateLoadedMs)}, tasks running at ${ms(s.tasksRunningMs)}`);
      });
    }
  }

  const rows: CaseResult[] = [];
  const baseCase = `recovery empty state, ${modeLabel}`;
  const common = { experiment: 'recovery', query: 'recovery', parallelism: launch.mode.parallelism, checkpointIntervalMs: 1000, baseline: null as string | null };
  const details = (starts: readonly Start[]) => ({
    recoveryMs: medianOf(starts, (s) => s.spawnToFirstMs),
    recoveryMsRounds: starts.map((s) => s.spawnToFirstMs),
    childSawMs: medianOf(starts, (s) => s.childSawMs),
    childSawMsRounds: starts.map((s) => s.childSawMs),
    importsDoneMs: medianOf(starts, (s) => s.importsDoneMs),
    stateLoadedMs: medianOf(starts, (s) => s.stateLoadedMs),
    tasksRunningMs: medianOf(starts, (s) => s.tasksRunningMs),
    restoredCheckpointIds: starts.map((s) => s.restoredCheckpointId),
    mode: launch.mode.workers === 1 ? 'in-process' : 'worker threads',
    workers: launch.mode.workers,
    core: fromSource ? 'src' : 'dist',
  });
  const b = details(baseline);
  rows.push(
    measuredCase({
      ...common,
      case: baseCase,
      variant: 'empty',
      events: 0,
      // Records/s: state entries restored per second of recovery; none here.
      rounds: baseline.map(() => NaN),
      baselineRatio: 1,
      peakRssMb: medianOf(baseline, (s) => s.peakRssMb),
      extra: { stateEntries: 0, ...b },
      note: `baseline: spawn to first record with nothing to restore ${ms(b.recoveryMs)} (the child saw ${ms(b.childSawMs)}; imports done at ${ms(b.importsDoneMs)}); median of ${rounds}`,
    }),
  );
  const report: string[][] = [
    ['state entries', 'ckpt bytes', 'ckpt duration', 'recovery (spawn→1st record)', 'child saw', 'ratio', 'imports done', 'ckpt loaded', 'tasks running', 'peak RSS'],
    ['0 (baseline)', '–', '–', ms(b.recoveryMs), ms(b.childSawMs), '1.00', ms(b.importsDoneMs), '–', ms(b.tasksRunningMs), `${Math.round(medianOf(baseline, (s) => s.peakRssMb)!)} MB`],
  ];
  let target: string | undefined;
  for (const n of sizes) {
    const ks = built.get(n)!;
    const ss = restored.get(n)!;
    const d = details(ss);
    const ratios = ss.map((s, i) => s.spawnToFirstMs / baseline[i].spawnToFirstMs);
    const bytes = medianOf(ks, (k) => k.bytes)!;
    const duration = medianOf(ks, (k) => k.durationMs)!;
    const rss = medianOf(ss, (s) => s.peakRssMb)!;
    const label = `recovery ${sizeLabel(n)} keys, ${modeLabel}`;
    const isTarget = n === TARGET.keys && launch.mode.workers === 1;
    rows.push(
      measuredCase({
        ...common,
        case: label,
        variant: 'restore',
        events: n,
        rounds: ss.map((s) => (n * 1000) / s.spawnToFirstMs),
        baselineRatio: median(ratios),
        baseline: baseCase,
        checkpoints: {
          completed: medianOf(ks, (k) => k.completed)!,
          failed: medianOf(ks, (k) => k.failed)!,
          medianDurationMs: duration,
          maxDurationMs: Math.max(...ks.map((k) => k.durationMs)),
          medianStateBytes: bytes,
          overheadRatio: null,
        },
        peakRssMb: rss,
        extra: {
          stateEntries: n,
          ...d,
          ratios,
          checkpointBytes: bytes,
          checkpointBytesRounds: ks.map((k) => k.bytes),
          checkpointDurationMs: duration,
          checkpointDurationMsRounds: ks.map((k) => k.durationMs),
          checkpointDurationFrom: ks.map((k) => k.durationFrom),
          checkpointStatsStateSize: ks.map((k) => k.statsStateSize),
          checkpointIds: ks.map((k) => k.checkpointId),
          buildMs: ks.map((k) => k.buildMs),
          ...(isTarget ? { targetMs: TARGET.ms } : {}),
        },
        note:
          `recovery ${ms(d.recoveryMs)} from spawn to first record (the child saw ${ms(d.childSawMs)}; checkpoint loaded at ${ms(d.stateLoadedMs)}, tasks running at ${ms(d.tasksRunningMs)}), ` +
          `${median(ratios).toFixed(2)} × the empty start; checkpoint ${count(bytes)} bytes, ${ms(duration)} trigger to completion; median of ${rounds}` +
          (isTarget ? `; issue 15 target < ${count(TARGET.ms)} ms` : ''),
      }),
    );
    report.push([count(n), count(bytes), ms(duration), ms(d.recoveryMs), ms(d.childSawMs), median(ratios).toFixed(2), ms(d.importsDoneMs), ms(d.stateLoadedMs), ms(d.tasksRunningMs), `${Math.round(rss)} MB`]);
    if (isTarget) {
      target = `issue 15 target: ${count(n)} keyed entries back in under ${count(TARGET.ms)} ms from process start to first record — measured ${ms(d.recoveryMs)} from spawn (the child saw ${ms(d.childSawMs)} from its time origin)`;
    }
  }
  const widths = report[0].map((_, i) => Math.max(...report.map((r) => r[i].length)));
  for (const r of report) console.log(`  ${r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ')}`);
  console.log(
    `  median of ${rounds} round${rounds === 1 ? '' : 's'}; ratio: recovery over the baseline's spawn to first record (above 1: slower); child times are ms since the child's time origin` +
      `\n  (imports done: node, tsx, @weir/core and the job module loaded; ckpt loaded: 'restoring from' logged; tasks running: operators open, state in its tables);` +
      `\n  records/s in the table below: state entries restored per second of recovery; peak RSS: the restoring process, up to its first record`,
  );
  if (target !== undefined) console.log(`  ${target}`);
  return rows;
}
