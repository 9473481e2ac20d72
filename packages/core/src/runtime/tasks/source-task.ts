import type { SourceOutput, SourceReader } from '../../connector/source.ts';
import { operatorFailure, type OperatorIdentity } from '../errors.ts';
import type { Backpressure } from '../channel/channel.ts';
import type { OperatorChain } from '../operator-chain.ts';
import type { CheckpointBarrier } from '../events.ts';
import { StreamTask, type TaskInfo } from './stream-task.ts';

/**
 * A task whose head is a source reader: polls it, and between two polls runs mailbox actions
 * (a checkpoint trigger snapshots the reader's position there, between two records).
 */
export class SourceTask<T> extends StreamTask {
  constructor(
    info: TaskInfo,
    chain: OperatorChain,
    writers: readonly Backpressure[],
    readonly reader: SourceReader<T>,
    /** Identity of the source operator, for errors the reader throws. */
    readonly source: OperatorIdentity,
  ) {
    super(info, chain, writers);
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
  }

  protected async processInput(): Promise<void> {
    const reader = this.reader;
    const output = this.chain.head as SourceOutput<T>;
    for (;;) {
      let status;
      try {
        status = reader.pollNext(output);
      } catch (e) {
        throw operatorFailure(this.source, e, 'pollNext');
      }
      if (status === 'end') {
        await this.#waitForFinalCheckpoint();
        return;
      }
      if (status === 'nothing-available') {
        this.chain.head.flush();
        await this.runMail();
        await Promise.race([reader.isAvailable(), this.mailbox.whenMail()]);
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
      await this.mailbox.whenMail();
      await this.runMail();
    }
  }

  protected override async closeAll(): Promise<void> {
    try {
      await this.reader.close?.();
    } finally {
      await super.closeAll();
    }
  }
}
