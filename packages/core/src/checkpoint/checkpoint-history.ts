import type { CheckpointFailureReason } from './failure-reason.ts';
import type { CheckpointStats, SubtaskStats } from './stats.ts';

/**
 * The checkpoint history of a job across its runs (Flink's checkpoint history and exception
 * history, kept beside the checkpoints instead of in the JobManager's memory): every checkpoint
 * and savepoint that ended, completed or failed, with the subtask that acknowledged last and how
 * long alignment took; every failure of an attempt with the checkpoint the restart went back to;
 * and every run of the job, including runs whose process died without a word.
 *
 * Bounded: the last {@link HISTORY_LIMITS}`.checkpoints` checkpoints (per-subtask details for the
 * newest `.detailed` of them), the last `.failures` failures and `.runs` runs. Pure bookkeeping,
 * no I/O and no clock: `checkpoint-history-writer.ts` persists it as the job record
 * {@link CHECKPOINT_HISTORY_RECORD} (JSON), times are passed in.
 *
 * Entries are never changed once added (an update replaces the entry), so a snapshot shares them.
 */
export class CheckpointHistory {
  readonly #jobName: string;
  #runs: RunEntry[] = [];
  #checkpoints: CheckpointHistoryEntry[] = [];
  #failures: FailureEntry[] = [];
  #run: RunEntry | undefined;
  /** Subtasks of the current run, to name those a failed checkpoint never heard from. */
  #taskKeys: readonly string[] = [];
  /** Called after every change (the writer schedules a write). */
  onChange: (() => void) | undefined;

  constructor(jobName: string) {
    this.#jobName = jobName;
  }

  /** The current run's number; 0 before {@link startRun}. */
  get run(): number {
    return this.#run?.run ?? 0;
  }

  /**
   * Takes over what an earlier run persisted (call before {@link startRun}). A run that never
   * recorded its end died with its process: it is marked `lost`, last seen when the record was
   * last written.
   */
  load(record: CheckpointHistoryRecord): void {
    this.#runs = record.runs.map((r) => (r.outcome === undefined ? freeze({ ...r, outcome: 'lost', endedAt: record.updatedAt }) : r));
    this.#checkpoints = [...record.checkpoints];
    this.#failures = [...record.failures];
  }

  /** A run of the job starts (this process holds its lease); resolves its number, one above the last. */
  startRun(start: RunStart): number {
    const run = (this.#runs.at(-1)?.run ?? 0) + 1;
    this.#taskKeys = start.taskKeys;
    const entry: RunEntry = freeze({
      run,
      pid: start.pid,
      host: start.host,
      startedAt: start.startedAt,
      tasks: start.tasks,
      ...(start.fresh ? { fresh: true } : {}),
      ...(start.fromCheckpoint === undefined ? {} : { fromCheckpoint: start.fromCheckpoint }),
    });
    this.#run = entry;
    this.#runs = bounded([...this.#runs, entry], HISTORY_LIMITS.runs);
    this.#changed();
    return run;
  }

  /**
   * An attempt starts from `restoredCheckpointId` (`null`: from nothing). The run's first attempt
   * records it on the run; a later one on the failure it restarts after.
   */
  recordAttemptStart(restoredCheckpointId: number | null): void {
    const run = this.#run;
    if (run === undefined) return;
    if (run.restoredCheckpointId === undefined) {
      this.#replaceRun({ ...run, restoredCheckpointId });
      return;
    }
    const last = this.#failures.at(-1);
    if (last === undefined || last.run !== run.run || last.restoredCheckpointId !== undefined) return;
    this.#failures = [...this.#failures.slice(0, -1), freeze({ ...last, restoredCheckpointId })];
    this.#changed();
  }

  /** A checkpoint or savepoint ended (a {@link CheckpointStatsTracker.onEnded} listener). */
  recordCheckpoint(stats: CheckpointStats): void {
    if (stats.status === 'in-progress') return;
    const entry = toEntry(stats, this.run, this.#taskKeys);
    const checkpoints = bounded([...this.#checkpoints, entry], HISTORY_LIMITS.checkpoints);
    // Details only for the newest: the record stays small enough to rewrite every second.
    const older = checkpoints.length - HISTORY_LIMITS.detailed - 1;
    if (older >= 0 && checkpoints[older].subtasks !== undefined) checkpoints[older] = withoutSubtasks(checkpoints[older]);
    this.#checkpoints = checkpoints;
    this.#changed();
  }

  /** An attempt failed (the job restarts, or fails for good: the run's outcome says which). */
  recordFailure(failure: Omit<FailureEntry, 'run' | 'restoredCheckpointId'>): void {
    this.#failures = bounded([...this.#failures, freeze({ ...failure, run: this.run })], HISTORY_LIMITS.failures);
    this.#changed();
  }

  /** The run ended at `at`: finished, cancelled, or failed for good. */
  endRun(outcome: 'finished' | 'cancelled' | 'failed', at: number): void {
    const run = this.#run;
    if (run === undefined || run.outcome !== undefined) return;
    this.#replaceRun({ ...run, outcome, endedAt: at });
  }

  /** What is persisted, oldest entries first; `updatedAt` is when it is written. */
  toRecord(updatedAt: number): CheckpointHistoryRecord {
    return { version: 1, jobName: this.#jobName, updatedAt, runs: this.#runs, checkpoints: this.#checkpoints, failures: this.#failures };
  }

  /** Everything, newest first (entries are shared, the lists are fresh). */
  snapshot(): CheckpointHistorySnapshot {
    return {
      jobName: this.#jobName,
      run: this.run,
      runs: [...this.#runs].reverse(),
      checkpoints: [...this.#checkpoints].reverse(),
      failures: [...this.#failures].reverse(),
    };
  }

  #replaceRun(next: RunEntry): void {
    const entry = freeze(next);
    if (this.#run?.run === entry.run) this.#run = entry;
    this.#runs = this.#runs.map((r) => (r.run === entry.run ? entry : r));
    this.#changed();
  }

  #changed(): void {
    this.onChange?.();
  }
}

/** The job record that holds the history: `<jobDir>/_checkpoint-history.json`, or a Redis key. */
export const CHECKPOINT_HISTORY_RECORD = 'checkpoint-history.json';

/** How much the history keeps: the newest entries of each list. */
export const HISTORY_LIMITS = {
  checkpoints: 1000,
  /** Checkpoints that keep their per-subtask details. */
  detailed: 100,
  failures: 200,
  runs: 100,
  /** Subtasks a failed checkpoint names as missing. */
  missing: 20,
} as const;

/** A run's start, as the JobManager knows it. */
export interface RunStart {
  readonly pid: number;
  readonly host: string;
  readonly startedAt: number;
  readonly tasks: Readonly<Record<string, TaskInfo>>;
  /** Every subtask's `taskKey` (`<task id>#<subtask index>`). */
  readonly taskKeys: readonly string[];
  readonly fresh: boolean;
  readonly fromCheckpoint: string | undefined;
}

/** A task (chain of operators) of a run. */
export interface TaskInfo {
  readonly name: string;
  readonly parallelism: number;
}

/** One process run of the job (`weir run`, or a program calling `execute`). */
export interface RunEntry {
  /** 1 for the first run this history knows, then one more per run. */
  readonly run: number;
  readonly pid: number;
  readonly host: string;
  readonly startedAt: number;
  /** Task id → name and parallelism in this run: what the `taskKey`s of its checkpoints mean. */
  readonly tasks: Readonly<Record<string, TaskInfo>>;
  /** The run deleted the job's checkpoints first (`--fresh`). */
  readonly fresh?: true;
  /** The savepoint or checkpoint it was told to start from (`--from-savepoint`). */
  readonly fromCheckpoint?: string;
  /** What its first attempt restored; `null`: nothing (a fresh start). Absent until it restores. */
  readonly restoredCheckpointId?: number | null;
  /**
   * How it ended; absent while it runs. `lost`: its process died without recording an end
   * (`kill -9`, a crash, the machine going down); `endedAt` is then when it was last heard of.
   */
  readonly outcome?: 'finished' | 'cancelled' | 'failed' | 'lost';
  readonly endedAt?: number;
}

/** A checkpoint or savepoint that ended. */
export interface CheckpointHistoryEntry {
  readonly checkpointId: number;
  /** The run it belongs to. */
  readonly run: number;
  readonly kind: 'checkpoint' | 'savepoint';
  readonly status: 'completed' | 'failed';
  readonly triggeredAt: number;
  /** Trigger to completion or failure. */
  readonly durationMs: number;
  /** Bytes, summed over the subtasks that acknowledged. */
  readonly stateSize: number;
  readonly failureReason?: CheckpointFailureReason;
  /** Subtasks that acknowledged, of `subtaskCount`. */
  readonly acknowledged: number;
  readonly subtaskCount: number;
  /** The subtask that acknowledged last: the one the checkpoint waited for. */
  readonly lastAcknowledged?: { readonly taskKey: string; readonly ackDelayMs: number };
  /** A failed checkpoint's subtasks that never acknowledged (the first few). */
  readonly missing?: readonly string[];
  /** The longest alignment, synchronous and asynchronous part among its subtasks, ms. */
  readonly alignmentMs: number;
  readonly syncMs: number;
  readonly asyncMs: number;
  /** Each subtask that acknowledged, in order; kept on the newest entries only. */
  readonly subtasks?: readonly SubtaskStats[];
}

/** A failed attempt of a run (the JobManager's `JobFailure`, with its run). */
export interface FailureEntry {
  readonly run: number;
  /** Epoch milliseconds. */
  readonly time: number;
  readonly message: string;
  /** The operator that failed, when a task did; its subtask (0-based) and what it was doing (`processElement`, …). */
  readonly operator?: string;
  readonly operatorUid?: string;
  readonly subtask?: number;
  readonly phase?: string;
  /** Where the restart after it went back to (`null`: the beginning); absent when none followed. */
  readonly restoredCheckpointId?: number | null;
}

/** The persisted form: JSON, oldest entries first. */
export interface CheckpointHistoryRecord {
  readonly version: 1;
  readonly jobName: string;
  /** Wall-clock ms of the write. */
  readonly updatedAt: number;
  readonly runs: readonly RunEntry[];
  readonly checkpoints: readonly CheckpointHistoryEntry[];
  readonly failures: readonly FailureEntry[];
}

/** What `JobClient.checkpointHistory()` returns: newest entries first. */
export interface CheckpointHistorySnapshot {
  readonly jobName: string;
  /** The current run's number (0 before it holds the job). */
  readonly run: number;
  readonly runs: readonly RunEntry[];
  readonly checkpoints: readonly CheckpointHistoryEntry[];
  readonly failures: readonly FailureEntry[];
}

export function encodeCheckpointHistory(record: CheckpointHistoryRecord): Uint8Array {
  return new TextEncoder().encode(`${JSON.stringify(record)}\n`);
}

/**
 * The record in `bytes`; `undefined` for bytes that are not one (a damaged history is dropped, not
 * fatal). Entries that are not objects with the expected ids are skipped.
 */
export function decodeCheckpointHistory(bytes: Uint8Array): CheckpointHistoryRecord | undefined {
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    return undefined;
  }
  if (!isObject(value) || value.version !== 1 || typeof value.jobName !== 'string') return undefined;
  const list = <T>(v: unknown, ok: (e: Record<string, unknown>) => boolean): T[] =>
    Array.isArray(v) ? (v.filter((e) => isObject(e) && ok(e)) as T[]) : [];
  return {
    version: 1,
    jobName: value.jobName,
    updatedAt: typeof value.updatedAt === 'number' ? value.updatedAt : 0,
    runs: list<RunEntry>(value.runs, (e) => typeof e.run === 'number' && typeof e.startedAt === 'number'),
    checkpoints: list<CheckpointHistoryEntry>(value.checkpoints, (e) => typeof e.checkpointId === 'number' && typeof e.triggeredAt === 'number'),
    failures: list<FailureEntry>(value.failures, (e) => typeof e.time === 'number' && typeof e.message === 'string'),
  };
}

function toEntry(stats: CheckpointStats, run: number, taskKeys: readonly string[]): CheckpointHistoryEntry {
  const { subtasks } = stats;
  const last = subtasks.at(-1);
  const max = (pick: (s: SubtaskStats) => number): number => subtasks.reduce((m, s) => Math.max(m, pick(s)), 0);
  let missing: string[] | undefined;
  if (stats.status === 'failed' && subtasks.length < taskKeys.length) {
    const acked = new Set(subtasks.map((s) => s.taskKey));
    missing = taskKeys.filter((k) => !acked.has(k)).slice(0, HISTORY_LIMITS.missing);
  }
  return freeze({
    checkpointId: stats.checkpointId,
    run,
    kind: stats.kind,
    status: stats.status as 'completed' | 'failed',
    triggeredAt: stats.triggeredAt,
    durationMs: stats.durationMs,
    stateSize: stats.stateSize,
    ...(stats.failureReason === undefined ? {} : { failureReason: stats.failureReason }),
    acknowledged: subtasks.length,
    subtaskCount: Math.max(taskKeys.length, subtasks.length),
    ...(last === undefined ? {} : { lastAcknowledged: { taskKey: last.taskKey, ackDelayMs: last.ackDelayMs } }),
    ...(missing === undefined ? {} : { missing }),
    alignmentMs: round(max((s) => s.alignmentMs)),
    syncMs: round(max((s) => s.syncMs)),
    asyncMs: round(max((s) => s.asyncMs)),
    subtasks: subtasks.map((s) => freeze({ ...s, alignmentMs: round(s.alignmentMs), syncMs: round(s.syncMs), asyncMs: round(s.asyncMs) })),
  });
}

function withoutSubtasks(entry: CheckpointHistoryEntry): CheckpointHistoryEntry {
  const { subtasks: _dropped, ...rest } = entry;
  return freeze(rest);
}

/** To the microsecond: timings measured with `performance.now()` need no more in a history. */
function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}

function bounded<T>(list: T[], limit: number): T[] {
  return list.length > limit ? list.slice(list.length - limit) : list;
}

function freeze<T extends object>(entry: T): T {
  return Object.freeze(entry);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
