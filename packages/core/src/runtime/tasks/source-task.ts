import type { ReaderOutput, SourceReader } from '../../connector/source.ts';
import { operatorFailure, type OperatorIdentity } from '../errors.ts';
import type { Backpressure } from '../channel/channel.ts';
import type { OperatorChain } from '../operator-chain.ts';
import type { CheckpointBarrier } from '../events.ts';
import type { MailboxProcessingTimeService } from '../time/processing-time-service.ts';
import type { Mailbox } from './mailbox.ts';
import { StreamTask, type TaskInfo } from './stream-task.ts';

/**
 * What a source task's reader polls into: records into the chain, with event time and watermarks
 * when the source has a watermark strategy (`SourceWatermarks`), or straight through (`PassthroughReaderOutput`).
 */
export interface SourceTaskOutput<T> extends ReaderOutput<T> {
  /** Starts periodic watermarks (on the task's loop). */
  start(): void;
  /** After every poll of the reader. */
  afterPoll(): void;
  /** The reader ended: `+∞`, so that every event-time window and timer downstream fires. */
  endOfInput(): void;
  stop(): void;
}

/**
 * A task whose head is a source reader: polls it, and between two polls runs mailbox actions
 * (a checkpoint trigger snapshots the reader's position there, between two records; periodic
 * watermarks are emitted there too).
 */
export class SourceTask<T> extends StreamTask {
  constructor(
    info: TaskInfo,
    chain: OperatorChain,
    writers: readonly Backpressure[],
    readonly reader: SourceReader<T>,
    /** Identity of the source operator, for errors the reader throws. */
    readonly source: OperatorIdentity,
    /** What the reader polls into (it feeds the chain's head). */
    readonly output: SourceTaskOutput<T>,
    mailbox?: Mailbox,
    processingTime?: MailboxProcessingTimeService,
  ) {
    super(info, chain, writers, mailbox, processingTime);
  }

  /**
   * With checkpointing, an ended reader does not end the task at once: it keeps taking part in
   * checkpoints until the JobManager calls `endInput()` after a checkpoint that every source took
   * after it ended (a final checkpoint), so that sinks commit everything before the job finishes.
   */
  awaitFinalCheckpoint = false;
  /** Called once when the reader has ended (with `awaitFinalCheckpoint`). */
  onReaderEnded: (() => void) | null = null;
  #endInput = false;

  /** Snapshot the reader's position between two polls and emit barrier n. */
  triggerCheckpoint(barrier: CheckpointBarrier): void {
    this.mailbox.put(() => this.performCheckpoint(barrier, 0));
  }

  /** Lets a task whose reader has ended finish (after the final checkpoint). */
  endInput(): void {
    this.mailbox.put(() => {
      this.#endInput = true;
    });
  }

  protected override async beforeInput(): Promise<void> {
    try {
      await this.reader.start?.();
    } catch (e) {
      throw operatorFailure(this.source, e, 'start');
    }
    this.output.start();
  }

  protected async processInput(): Promise<void> {
    const reader = this.reader;
    const output = this.output;
    for (;;) {
      let status;
      try {
        status = reader.pollNext(output);
      } catch (e) {
        throw operatorFailure(this.source, e, 'pollNext');
      }
      output.afterPoll();
      if (status === 'end') {
        // Before the final checkpoint: what the last windows and timers emit is committed by it.
        output.endOfInput();
        await this.#waitForFinalCheckpoint();
        return;
      }
      if (status === 'nothing-available') {
        this.chain.head.flush();
        await this.runMail();
        await this.idleUntil(Promise.race([reader.isAvailable(), this.mailbox.whenMail()]));
        await this.runMail();
        continue;
      }
      if (this.mustPause()) await this.pause();
    }
  }

  async #waitForFinalCheckpoint(): Promise<void> {
    if (!this.awaitFinalCheckpoint) return;
    this.chain.head.flush();
    this.onReaderEnded?.();
    while (!this.#endInput) {
      await this.idleUntil(this.mailbox.whenMail());
      await this.runMail();
    }
  }

  protected override async closeAll(): Promise<void> {
    this.output.stop();
    try {
      await this.reader.close?.();
    } finally {
      await super.closeAll();
    }
  }
}
