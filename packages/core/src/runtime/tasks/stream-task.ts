import type { Logger } from 'pino';
import type { Backpressure } from '../channel/channel.ts';
import type { TaskCheckpointing } from '../checkpointing/task-checkpointing.ts';
import { CancelledError } from '../errors.ts';
import { END_OF_STREAM_EVENT, type CheckpointBarrier } from '../events.ts';
import type { OperatorChain } from '../operator-chain.ts';
import type { CountingOutput } from '../output/output.ts';
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
  readonly mailbox = new Mailbox();
  /** Set when the job checkpoints. */
  checkpointing: TaskCheckpointing | null = null;
  /** Records taken from the input gate, counted per batch. */
  recordsIn = 0;
  /** The channel outputs of this task (set when it is built): their counts sum to `recordsOut`. */
  channelOutputs: readonly CountingOutput<unknown>[] = [];
  #cancelled = false;
  #sliceStart = 0;

  constructor(
    readonly info: TaskInfo,
    readonly chain: OperatorChain,
    /** The channels this task writes to: checked for backpressure after each step. */
    readonly writers: readonly Backpressure[],
  ) {}

  /** Records sent into channels, counted per batch. */
  get recordsOut(): number {
    let n = 0;
    for (const o of this.channelOutputs) n += o.recordsOut;
    return n;
  }

  get cancelled(): boolean {
    return this.#cancelled;
  }

  /** Runs the task to the end of its input. Rejects with the error that failed it. */
  async invoke(): Promise<void> {
    try {
      await this.chain.open();
      await this.beforeInput();
      this.#sliceStart = performance.now();
      await this.processInput();
      await this.chain.finish();
      this.chain.head.emitEvent(END_OF_STREAM_EVENT);
      this.chain.head.flush();
    } finally {
      await this.closeAll();
    }
  }

  /** Stops the loop at its next step or wait. */
  cancel(): void {
    this.#cancelled = true;
    this.mailbox.wake();
    this.onCancel();
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
        await w.whenWritable();
        this.throwIfCancelled();
      }
    }
    if (performance.now() - this.#sliceStart > TIME_SLICE_MS) {
      this.chain.head.flush();
      await yieldToEventLoop();
      this.throwIfCancelled();
      await this.runMail();
      this.#sliceStart = performance.now();
    }
  }

  protected async runMail(): Promise<void> {
    this.throwIfCancelled();
    while (this.mailbox.hasMail) {
      for (const action of this.mailbox.drain()) await action();
      this.throwIfCancelled();
    }
  }

  protected throwIfCancelled(): void {
    if (this.#cancelled) throw new CancelledError();
  }
}

/** A macrotask turn: timers and I/O callbacks run before the task continues. */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
