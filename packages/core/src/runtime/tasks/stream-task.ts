import type { Logger } from 'pino';
import type { Backpressure } from '../channel/channel.ts';
import type { TaskCheckpointing } from '../checkpointing/task-checkpointing.ts';
import { CancelledError } from '../errors.ts';
import { END_OF_STREAM_EVENT, type CheckpointBarrier } from '../events.ts';
import type { OperatorChain } from '../operator-chain.ts';
import type { CountingOutput } from '../output/output.ts';
import { MailboxProcessingTimeService } from '../time/processing-time-service.ts';
import { Mailbox } from './mailbox.ts';

/** How long a task runs before it lets timers, I/O and other tasks have the event loop. */
const TIME_SLICE_MS = 4;

export interface TaskInfo {
  readonly jobName: string;
  /** `<vertex id>#<subtask index>`. */
  readonly taskKey: string;
  readonly taskName: string;
  readonly subtaskIndex: number;
  readonly parallelism: number;
  readonly logger: Logger;
}

/**
 * A subtask running as a cooperative loop on the event loop. Subclasses read their input (a
 * source reader, an input gate) in `processInput`; this base class runs the lifecycle and the
 * pauses between steps: backpressure, mailbox actions, and a time slice so one busy task never
 * starves timers or the others.
 *
 * The hot loop awaits nothing while it can make progress: a pause is a field check per batch.
 */
export abstract class StreamTask {
  /**
   * Wall-clock time for the task's operators: processing-time timers and periodic watermarks run
   * as mail on this task's loop. Made with the mailbox, before the operators (they need it).
   */
  readonly processingTime: MailboxProcessingTimeService;
  /** Set when the job checkpoints. */
  checkpointing: TaskCheckpointing | null = null;
  /** Records taken from the input gate, counted per batch. */
  recordsIn = 0;
  /** The channel outputs of this task (set when it is built): their counts sum to `recordsOut`. */
  channelOutputs: readonly CountingOutput<unknown>[] = [];
  #cancelled = false;
  #sliceStart = 0;
  // Where the time goes (Flink's busy / backpressured / idle), clocked at the loop's waits, not per
  // record: busy from when the loop resumes until it next waits; backpressured while it waits for
  // room downstream. Neither counts the turns other tasks on the same event loop take.
  #busyMs = 0;
  #backpressuredMs = 0;
  /** When the loop last resumed; -1 while it waits. */
  #resumedAt = -1;
  #wakeOnCancel: (() => void) | undefined;
  /** Resolves when the task is cancelled: what every wait on something outside the task races with. */
  readonly #whenCancelled = new Promise<void>((resolve) => (this.#wakeOnCancel = resolve));
  #closing: Promise<void> | undefined;
  /** Where the task's lifecycle is, for logs about a task that does not stop. */
  phase: 'created' | 'opening' | 'running' | 'finishing' | 'closing' | 'ended' = 'created';
  /** Run after the chain is open, before the first input (e.g. writing restored dead letters). */
  readonly startHooks: (() => Promise<void>)[] = [];

  constructor(
    readonly info: TaskInfo,
    readonly chain: OperatorChain,
    /** The channels this task writes to: checked for backpressure after each step. */
    readonly writers: readonly Backpressure[],
    readonly mailbox: Mailbox = new Mailbox(),
    processingTime?: MailboxProcessingTimeService,
  ) {
    this.processingTime = processingTime ?? new MailboxProcessingTimeService(mailbox);
  }

  /** Records sent into channels, counted per batch. */
  get recordsOut(): number {
    let n = 0;
    for (const o of this.channelOutputs) n += o.recordsOut;
    return n;
  }

  /** Ms the loop spent working (records, mail, checkpoints) since it started reading input. */
  get busyMs(): number {
    return this.#busyMs + (this.#resumedAt < 0 ? 0 : performance.now() - this.#resumedAt);
  }

  /** Ms the loop waited for room in a full output channel (or a sink's bounded work in flight). */
  get backpressuredMs(): number {
    return this.#backpressuredMs;
  }

  /** Queued items over capacity in the channels this task writes to, 0..1. */
  get outputFill(): number {
    let sum = 0;
    let n = 0;
    for (const w of this.writers) {
      if (w.fill === undefined) continue;
      sum += w.fill;
      n++;
    }
    return n === 0 ? 0 : sum / n;
  }

  /** Queued items over capacity in this task's input channels, 0..1 (0 for a source). */
  get inputFill(): number {
    return 0;
  }

  get cancelled(): boolean {
    return this.#cancelled;
  }

  /** Runs the task to the end of its input. Rejects with the error that failed it. */
  async invoke(): Promise<void> {
    try {
      this.phase = 'opening';
      await this.#unlessCancelled(this.chain.open());
      for (const hook of this.startHooks) await this.#unlessCancelled(hook());
      await this.#unlessCancelled(this.beforeInput());
      this.phase = 'running';
      this.#sliceStart = performance.now();
      this.#resumedAt = this.#sliceStart;
      await this.processInput();
      this.#waiting();
      this.phase = 'finishing';
      await this.chain.finish();
      this.chain.head.emitEvent(END_OF_STREAM_EVENT);
      this.chain.head.flush();
    } finally {
      this.#waiting();
      this.phase = 'closing';
      await this.#close();
      this.phase = 'ended';
    }
  }

  /** Stops the loop at its next step or wait. */
  cancel(): void {
    this.#cancelled = true;
    this.mailbox.wake();
    this.#wakeOnCancel?.();
    this.onCancel();
  }

  /**
   * Closes the task's operators and reader without waiting for the loop: for a task that did not
   * stop after its cancel (stuck on I/O), so that its connections close and its waits end.
   */
  forceClose(): Promise<void> {
    return this.#close();
  }

  #close(): Promise<void> {
    this.#closing ??= this.closeAll();
    return this.#closing;
  }

  /** Waits for `work`, or throws CancelledError as soon as the task is cancelled. */
  async #unlessCancelled(work: void | Promise<void>): Promise<void> {
    if (work === undefined) return this.throwIfCancelled();
    // A failure after the cancel is no news: it must not become an unhandled rejection.
    work.catch(() => {});
    await Promise.race([work, this.#whenCancelled]);
    this.throwIfCancelled();
  }

  /** Checkpoint `checkpointId` is complete: tell every participant (sinks commit), on this task's loop. */
  notifyCheckpointComplete(checkpointId: number): void {
    this.mailbox.put(() => this.checkpointing?.notifyComplete(checkpointId));
  }

  notifyCheckpointAborted(checkpointId: number): void {
    this.mailbox.put(() => this.checkpointing?.notifyAborted(checkpointId));
  }

  /** Snapshot at `barrier`, then send the barrier after every record emitted so far. */
  protected performCheckpoint(barrier: CheckpointBarrier, alignmentMs: number): void {
    const head = this.chain.head;
    if (this.checkpointing === null) {
      head.emitEvent(barrier);
      return;
    }
    this.checkpointing.perform(barrier, alignmentMs, () => head.emitEvent(barrier));
  }

  protected abstract processInput(): Promise<void>;

  /** Runs once after the chain is open, before the first input. */
  protected beforeInput(): void | Promise<void> {}

  protected onCancel(): void {}

  protected async closeAll(): Promise<void> {
    // No timer fires into a task that has ended.
    this.processingTime.shutdown();
    await this.chain.close();
  }

  /** Whether the loop must stop for something other than input; one cheap check per step. */
  protected mustPause(): boolean {
    if (this.mailbox.hasMail || this.#cancelled) return true;
    for (let i = 0; i < this.writers.length; i++) if (this.writers[i].isFull) return true;
    return performance.now() - this.#sliceStart > TIME_SLICE_MS;
  }

  /** The pause between steps: mail first, then room downstream, then a turn of the event loop if the slice is used up. */
  protected async pause(): Promise<void> {
    await this.runMail();
    for (const w of this.writers) {
      if (w.isFull) {
        this.chain.head.flush();
        const from = this.#waiting();
        try {
          await this.#unlessCancelled(w.whenWritable());
        } finally {
          this.#backpressuredMs += this.#resumed() - from;
        }
      }
    }
    if (performance.now() - this.#sliceStart > TIME_SLICE_MS) {
      this.chain.head.flush();
      this.#waiting();
      await yieldToEventLoop();
      this.#resumed();
      this.throwIfCancelled();
      await this.runMail();
      this.#sliceStart = performance.now();
    }
  }

  protected async runMail(): Promise<void> {
    this.throwIfCancelled();
    while (this.mailbox.hasMail) {
      for (const action of this.mailbox.drain()) await this.#unlessCancelled(action());
      this.throwIfCancelled();
    }
  }

  /** Waits for input (`work`: a reader's availability, an input gate, or mail): idle, not busy. */
  protected async idleUntil(work: Promise<unknown>): Promise<void> {
    this.#waiting();
    try {
      await work;
    } finally {
      this.#resumed();
    }
  }

  /** Stops the busy clock; returns the time. */
  #waiting(): number {
    const now = performance.now();
    if (this.#resumedAt >= 0) this.#busyMs += now - this.#resumedAt;
    this.#resumedAt = -1;
    return now;
  }

  #resumed(): number {
    this.#resumedAt = performance.now();
    return this.#resumedAt;
  }

  /** Waits for `work` (a reader's availability, an input gate), or until the task is cancelled. */
  protected untilCancelled(work: Promise<void>): Promise<void> {
    return this.#unlessCancelled(work);
  }

  protected throwIfCancelled(): void {
    if (this.#cancelled) throw new CancelledError();
  }
}

/** A macrotask turn: timers and I/O callbacks run before the task continues. */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
