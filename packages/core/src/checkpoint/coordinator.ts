import type { CheckpointConfig } from './checkpoint-config.ts';
import type { CompletedCheckpoint, CompletedCheckpointStore } from './completed-checkpoint.ts';
import { CheckpointFailureManager } from './failure-manager.ts';
import { CheckpointException, failureMessage, type CheckpointFailureReason } from './failure-reason.ts';
import { PendingCheckpoint, type AcknowledgeResult, type OperatorDescriptor } from './pending-checkpoint.ts';
import { decideTrigger } from './request-decider.ts';
import { CheckpointStatsTracker } from './stats.ts';
import type { CheckpointLocation, CheckpointStorage } from './storage/checkpoint-storage.ts';
import { LeaseLostError } from './storage/job-lease.ts';
import type { CheckpointTaskGateway } from './task-gateway.ts';
import type { CheckpointMetadata, OperatorSubtaskState, SubtaskCheckpointMetrics } from './types.ts';

/**
 * The checkpoint coordinator of one job (steps 1, 5, 6 and 7 of the checkpoint protocol): triggers
 * checkpoints, collects acknowledgements, finalizes, and aborts. It only orchestrates; pacing is
 * {@link decideTrigger}, tolerable failures {@link CheckpointFailureManager}, per-checkpoint state
 * {@link PendingCheckpoint}, statistics {@link CheckpointStatsTracker}.
 *
 * Invariants:
 * - A checkpoint completes only after `storage.finalize` resolved and (for checkpoints, not
 *   savepoints) the store registered it; only then are tasks told `notifyComplete` (never for a
 *   savepoint: recovery does not restart from one, so it must not commit output).
 * - Every checkpoint ends exactly once: completed, or aborted with a reason (location discarded,
 *   tasks told `notifyAborted`). Finalizations run one at a time, in order.
 * - Once finalizing, a checkpoint is no longer aborted by a timeout or decline: the storage outcome decides.
 */
export class CheckpointCoordinator {
  readonly #o: CheckpointCoordinatorOptions;
  readonly #log: CheckpointLogger;
  readonly #failures: CheckpointFailureManager;
  readonly #stats: CheckpointStatsTracker;
  readonly #inFlight = new Map<number, InFlight>();
  /** Checkpoints that ended lately, so that late messages get an exact answer. */
  readonly #recent = new Map<number, PendingCheckpoint>();
  readonly #discards = new Set<Promise<void>>();
  #completions: Promise<void> = Promise.resolve();
  #state: 'created' | 'running' | 'stopped' = 'created';
  /** Locations being created: checkpoints in progress, not yet pending. */
  readonly #creating = new Set<Promise<CheckpointLocation>>();
  #periodicTimer: unknown;
  #lastCompletionTime: number | undefined;

  constructor(options: CheckpointCoordinatorOptions) {
    this.#o = options;
    this.#log = options.logger.child({ component: 'checkpoint' });
    this.#failures = new CheckpointFailureManager(options.config.tolerableFailures);
    this.#stats = options.stats ?? new CheckpointStatsTracker();
  }

  /** The statistics this coordinator reports into. */
  get stats(): CheckpointStatsTracker {
    return this.#stats;
  }

  /** Checkpoints and savepoints in progress. */
  get pendingCount(): number {
    return this.#inFlight.size + this.#creating.size;
  }

  /** Starts periodic checkpoints, the first one `interval` ms from now. Call once every task is running. */
  start(): void {
    if (this.#state === 'stopped') throw new Error('a stopped checkpoint coordinator cannot be started again');
    if (this.#state === 'running') return;
    this.#state = 'running';
    this.#schedulePeriodic(this.#o.config.interval);
  }

  /** Stops periodic triggers, aborts checkpoints in progress, and waits for finalizations and discards. */
  async stop(reason: StopReason = 'coordinator-shutdown'): Promise<void> {
    if (this.#state !== 'stopped') {
      this.#state = 'stopped';
      this.#o.timer.clearTimeout(this.#periodicTimer);
      for (const entry of [...this.#inFlight.values()]) this.#abort(entry, reason);
    }
    await Promise.allSettled([...this.#creating]);
    await this.#completions;
    await Promise.all(this.#discards);
  }

  /**
   * Triggers a checkpoint, or a savepoint below `savepointDir`; resolves once it is complete, rejects
   * with a {@link CheckpointException} when it is refused or aborted.
   */
  triggerCheckpoint(kind: 'checkpoint' | 'savepoint' = 'checkpoint', savepointDir?: string): Promise<CompletedCheckpoint> {
    if (kind === 'savepoint' && savepointDir === undefined) {
      return Promise.reject(new TypeError('a savepoint needs a target directory'));
    }
    if (this.#state !== 'running') {
      const reason = this.#state === 'created' ? 'source-not-ready' : 'coordinator-shutdown';
      return Promise.reject(new CheckpointException(reason));
    }
    const origin = kind === 'savepoint' ? 'savepoint' : 'manual';
    const decision = decideTrigger({ origin, ...this.#pacingFacts() }, this.#o.config);
    if (decision.kind === 'skip') return Promise.reject(new CheckpointException(decision.reason));
    return this.#startCheckpoint(kind, savepointDir ?? '');
  }

  /** A subtask acknowledged checkpoint `checkpointId` with its state per operator uid. */
  acknowledge(
    checkpointId: number,
    taskKey: string,
    states: Readonly<Record<string, OperatorSubtaskState>>,
    metrics: SubtaskCheckpointMetrics,
  ): AcknowledgeResult {
    const entry = this.#inFlight.get(checkpointId);
    if (entry === undefined) return this.#recent.get(checkpointId)?.acknowledge(taskKey, states, metrics) ?? 'unknown';
    const result = entry.pending.acknowledge(taskKey, states, metrics);
    if (result !== 'ok') {
      entry.log.debug({ taskKey, result }, 'acknowledgement ignored');
      return result;
    }
    this.#stats.reportAcknowledged(checkpointId, taskKey, metrics, this.#o.clock.now());
    entry.log.debug({ taskKey, ...metrics }, 'task acknowledged');
    if (entry.pending.isFullyAcknowledged) this.#enqueueCompletion(entry);
    return result;
  }

  /** A subtask declined checkpoint `checkpointId`: it is aborted with `reason`, unless already finalizing or ended. */
  decline(
    checkpointId: number,
    taskKey: string,
    reason: CheckpointFailureReason = 'declined-by-task',
    cause?: unknown,
  ): DeclineResult {
    const entry = this.#inFlight.get(checkpointId);
    const pending = entry?.pending ?? this.#recent.get(checkpointId);
    if (pending === undefined || !pending.includesTask(taskKey)) return 'unknown';
    if (pending.isDiscarded) return 'discarded';
    if (entry === undefined || pending.status !== 'pending') return 'late';
    entry.log.warn({ taskKey, reason, err: cause }, 'task declined the checkpoint');
    this.#abort(entry, reason, cause);
    return 'aborted';
  }

  #pacingFacts(): { now: number; lastCompletionTime: number | undefined; pendingCount: number } {
    return { now: this.#o.clock.now(), lastCompletionTime: this.#lastCompletionTime, pendingCount: this.pendingCount };
  }

  #schedulePeriodic(delayMs: number): void {
    this.#periodicTimer = this.#o.timer.setTimeout(() => this.#onPeriodicTrigger(), delayMs);
  }

  #onPeriodicTrigger(): void {
    if (this.#state !== 'running') return;
    const decision = decideTrigger({ origin: 'periodic', ...this.#pacingFacts() }, this.#o.config);
    if (decision.kind === 'wait') return this.#schedulePeriodic(decision.delayMs);
    if (decision.kind === 'skip') this.#log.debug({ reason: decision.reason }, 'periodic checkpoint skipped');
    // A failed periodic checkpoint has already been logged, counted and reported to the tasks.
    else this.#startCheckpoint('checkpoint', '').catch(() => {});
    this.#schedulePeriodic(this.#o.config.interval);
  }

  async #startCheckpoint(kind: 'checkpoint' | 'savepoint', savepointDir: string): Promise<CompletedCheckpoint> {
    const { storage, clock, config, timer } = this.#o;
    const checkpointId = this.#o.idCounter.getAndIncrement();
    const triggeredAt = clock.now();
    const log = this.#o.logger.child({ component: 'checkpoint', checkpointId });
    const attempt: Attempt = { checkpointId, kind, log };
    this.#stats.reportTriggered(checkpointId, kind, triggeredAt);
    const creating = kind === 'savepoint'
      ? storage.createSavepointLocation(checkpointId, savepointDir)
      : storage.createCheckpointLocation(checkpointId);
    this.#creating.add(creating);
    let location: CheckpointLocation;
    // Creating the location counts against the timeout too: storage that never answers must not
    // leave a checkpoint in progress for ever, blocking every later one.
    let expiry: unknown;
    const expired = new Promise<'expired'>((resolve) => (expiry = timer.setTimeout(() => resolve('expired'), config.timeout)));
    try {
      const created = await Promise.race([creating, expired]);
      if (created === 'expired') {
        creating.then((late) => this.#discard(late, log), () => {});
        throw this.#failUntriggered(attempt, 'expired', new Error(`creating the location took longer than ${config.timeout} ms`));
      }
      location = created;
    } catch (cause) {
      if (cause instanceof CheckpointException) throw cause;
      throw this.#failUntriggered(attempt, 'storage-write-failed', cause);
    } finally {
      timer.clearTimeout(expiry);
      this.#creating.delete(creating);
    }
    if (this.#state === 'stopped') {
      this.#discard(location, log);
      throw this.#failUntriggered(attempt, 'coordinator-shutdown');
    }
    const pending = new PendingCheckpoint({ checkpointId, kind, triggeredAt, location, taskKeys: this.#o.taskKeys });
    return new Promise<CompletedCheckpoint>((resolve, reject) => {
      const entry: InFlight = { ...attempt, pending, resolve, reject, timeout: undefined };
      entry.timeout = timer.setTimeout(() => this.#abort(entry, 'expired'), config.timeout);
      this.#inFlight.set(checkpointId, entry);
      log.info({ kind, pointer: location.pointer }, 'checkpoint triggered');
      try {
        this.#o.tasks.triggerSources(checkpointId, triggeredAt, kind, location);
      } catch (cause) {
        return this.#abort(entry, cause instanceof CheckpointException ? cause.reason : 'task-failure', cause);
      }
      if (pending.isFullyAcknowledged) this.#enqueueCompletion(entry);
    });
  }

  #enqueueCompletion(entry: InFlight): void {
    const run = (): Promise<void> =>
      this.#complete(entry).catch((err: unknown) => entry.log.error({ err }, 'completing the checkpoint threw'));
    this.#completions = this.#completions.then(run);
  }

  async #complete(entry: InFlight): Promise<void> {
    const { pending, log } = entry;
    if (!pending.beginFinalize()) return; // aborted (expired, subsumed…) while waiting its turn
    this.#o.timer.clearTimeout(entry.timeout);
    const { jobName, clock, storage, store, operators } = this.#o;
    const { checkpointId, kind, triggeredAt, location } = pending;
    let completed: CompletedCheckpoint;
    try {
      const metadata: CheckpointMetadata = {
        version: 1,
        jobName,
        checkpointId,
        triggeredAt,
        completedAt: clock.now(),
        kind,
        operators: pending.toOperatorStates(operators),
      };
      // One owner per job: a run that lost its lease must not make a checkpoint complete.
      await this.#o.checkLease?.();
      await storage.finalize(location, metadata);
      completed = { checkpointId, location, metadata };
      if (kind === 'checkpoint') {
        const subsumed = await store.add(completed);
        if (subsumed.length > 0) log.debug({ subsumed: subsumed.map((c) => c.checkpointId) }, 'older checkpoints subsumed');
      }
    } catch (cause) {
      pending.failFinalize();
      this.#afterAbort(entry, 'finalize-failed', cause);
      // Another run owns the job now: this one stops, whatever failures it would tolerate.
      if (cause instanceof LeaseLostError) this.#o.onFailJob(cause);
      return;
    }
    pending.markCompleted();
    this.#end(entry);
    this.#failures.onSuccess();
    const { completedAt } = completed.metadata;
    this.#stats.reportCompleted(checkpointId, completedAt);
    log.info({ kind, pointer: location.pointer, durationMs: completedAt - triggeredAt }, 'checkpoint completed');
    if (kind === 'checkpoint') {
      for (const other of [...this.#inFlight.values()]) {
        if (other.pending.checkpointId < checkpointId && other.pending.canBeSubsumed) this.#abort(other, 'subsumed');
      }
    }
    // A savepoint is not where recovery restarts from (only retained checkpoints are), so it must
    // not commit sink output or release source input (as in Flink since FLIP-193): what it staged
    // is committed by the next checkpoint, or when a job restores from the savepoint.
    if (kind === 'checkpoint') this.#tellTasks(log, () => this.#o.tasks.notifyComplete(checkpointId));
    entry.resolve(completed);
  }

  #abort(entry: InFlight, reason: CheckpointFailureReason, cause?: unknown): void {
    if (entry.pending.abort(reason)) this.#afterAbort(entry, reason, cause);
  }

  /** Everything that follows a pending checkpoint's transition to discarded. */
  #afterAbort(entry: InFlight, reason: CheckpointFailureReason, cause?: unknown): void {
    const { pending, log } = entry;
    const { checkpointId } = pending;
    this.#o.timer.clearTimeout(entry.timeout);
    this.#end(entry);
    log.warn({ reason, err: cause }, `checkpoint aborted: ${failureMessage(reason)}`);
    this.#stats.reportFailed(checkpointId, this.#o.clock.now(), reason);
    this.#discard(pending.location, log);
    this.#tellTasks(log, () => this.#o.tasks.notifyAborted(checkpointId, reason));
    entry.reject(new CheckpointException(reason, { checkpointId, cause }));
    this.#countFailure(entry, reason, cause);
  }

  /** A checkpoint that failed before any task heard of it: no location to discard, no task to tell. */
  #failUntriggered(attempt: Attempt, reason: CheckpointFailureReason, cause?: unknown): CheckpointException {
    attempt.log.warn({ reason, err: cause }, `checkpoint failed before triggering: ${failureMessage(reason)}`);
    this.#stats.reportFailed(attempt.checkpointId, this.#o.clock.now(), reason);
    this.#countFailure(attempt, reason, cause);
    return new CheckpointException(reason, { checkpointId: attempt.checkpointId, cause });
  }

  #countFailure({ checkpointId, kind, log }: Attempt, reason: CheckpointFailureReason, cause: unknown): void {
    if (this.#failures.onFailure(reason, kind) !== 'fail-job') return;
    const { tolerableFailures } = this.#o.config;
    const message =
      `Exceeded checkpoint tolerable failure threshold (${tolerableFailures}); ` +
      `the latest checkpoint failed: ${failureMessage(reason)}`;
    log.error({ reason, tolerableFailures }, message);
    this.#o.onFailJob(new CheckpointException(reason, { checkpointId, message, cause }));
  }

  /** A gateway that throws must not leave a checkpoint half-ended: log it and go on. */
  #tellTasks(log: CheckpointLogger, notify: () => void): void {
    try {
      notify();
    } catch (err) {
      log.error({ err }, 'notifying the tasks failed');
    }
  }

  #end(entry: InFlight): void {
    this.#inFlight.delete(entry.pending.checkpointId);
    this.#recent.set(entry.pending.checkpointId, entry.pending);
    if (this.#recent.size > RECENT_CHECKPOINTS) this.#recent.delete(this.#recent.keys().next().value as number);
    this.#lastCompletionTime = this.#o.clock.now();
  }

  #discard(location: CheckpointLocation, log: CheckpointLogger): void {
    const done: Promise<void> = this.#o.storage
      .discard(location)
      .catch((err: unknown) => log.warn({ err, pointer: location.pointer }, 'discarding the location failed'))
      .finally(() => this.#discards.delete(done));
    this.#discards.add(done);
  }
}

/** How many ended checkpoints are remembered to answer late acknowledgements and declines exactly. */
const RECENT_CHECKPOINTS = 16;

/** A checkpoint from the moment it has an id. */
interface Attempt {
  readonly checkpointId: number;
  readonly kind: 'checkpoint' | 'savepoint';
  readonly log: CheckpointLogger;
}

/** A checkpoint that has a location and a pending checkpoint, until it ends. */
interface InFlight extends Attempt {
  readonly pending: PendingCheckpoint;
  readonly resolve: (checkpoint: CompletedCheckpoint) => void;
  readonly reject: (error: Error) => void;
  timeout: unknown;
}

/** Everything a coordinator works with; time, timers and ids are injected. */
export interface CheckpointCoordinatorOptions {
  readonly jobName: string;
  readonly config: CheckpointConfig;
  readonly storage: CheckpointStorage;
  readonly store: CompletedCheckpointStore;
  readonly tasks: CheckpointTaskGateway;
  /** Every operator of the job; each one is listed in the metadata, even without state. */
  readonly operators: readonly OperatorDescriptor[];
  /** Task keys `<vertexId>#<subtaskIndex>` of every subtask that acknowledges a checkpoint. */
  readonly taskKeys: readonly string[];
  readonly idCounter: { getAndIncrement(): number };
  readonly clock: Clock;
  readonly timer: Timer;
  readonly logger: CheckpointLogger;
  /** Called when more than `tolerableFailures` consecutive checkpoints failed. */
  readonly onFailJob: (error: Error) => void;
  /** Where statistics go; pass one tracker to each attempt's coordinator to keep the history. Default: a new one. */
  readonly stats?: CheckpointStatsTracker;
  /** Rejects unless the run still holds the job's lease; awaited before every `_metadata` is written. */
  readonly checkLease?: () => Promise<void>;
}

/** Reads the time, in ms. */
export interface Clock {
  now(): number;
}

/** One-shot timers (`globalThis` fits). */
export interface Timer {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** The part of a pino logger the coordinator uses. */
export interface CheckpointLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
  debug(obj: object, msg?: string): void;
  child(bindings: Record<string, unknown>): CheckpointLogger;
}

/** Why the coordinator stops: the reason checkpoints in progress are aborted with. */
export type StopReason = Extract<CheckpointFailureReason, 'coordinator-shutdown' | 'job-cancelled' | 'task-failure'>;

/** Outcome of {@link CheckpointCoordinator.decline}: `'late'` when every task had acknowledged already. */
export type DeclineResult = 'aborted' | 'unknown' | 'discarded' | 'late';
