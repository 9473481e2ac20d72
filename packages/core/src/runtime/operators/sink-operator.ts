import type { SinkWriter } from '../../connector/sink.ts';
import { operatorFailure } from '../errors.ts';
import type { ControlEvent } from '../events.ts';
import type { Output } from '../output/output.ts';
import type { OperatorLists } from '../../state/snapshot/snapshot-codec.ts';
import { AbstractStreamOperator, type OperatorContext } from './stream-operator.ts';

/** Nothing follows a sink: events and flushes stop here. */
export const NO_OUTPUT: Output<never> = {
  collect() {},
  emitEvent(_event: ControlEvent) {},
  flush() {},
};

/** Hands records to a sink's writer. */
export class SinkOperator<T> extends AbstractStreamOperator<T, never> {
  /** Commits (`notifyCheckpointComplete` of a writer that has one) since the attempt started. */
  commits = 0;
  /** Ms spent in them, summed. */
  commitMs = 0;
  lastCommitMs: number | undefined;

  constructor(
    ctx: OperatorContext,
    readonly writer: SinkWriter<T>,
  ) {
    super(ctx, NO_OUTPUT);
  }

  override async open(): Promise<void> {
    try {
      await this.writer.open?.();
    } catch (e) {
      throw operatorFailure(this.ctx, e, 'open');
    }
  }

  collect(value: T): void {
    try {
      this.writer.write(value);
    } catch (e) {
      throw operatorFailure(this.ctx, e, 'write');
    }
  }

  override async finish(): Promise<void> {
    try {
      await this.writer.flush?.(true);
    } catch (e) {
      throw operatorFailure(this.ctx, e, 'flush');
    }
  }

  override async close(): Promise<void> {
    await this.writer.close?.();
  }

  snapshotState(checkpointId: number): OperatorLists | undefined {
    const w = this.writer;
    if (w.snapshotState === undefined) return undefined;
    try {
      return { writer: w.snapshotState(checkpointId) };
    } catch (e) {
      throw operatorFailure(this.ctx, e, 'snapshotState');
    }
  }

  completeSnapshot(checkpointId: number): Promise<void> | undefined {
    return this.writer.completeSnapshot?.(checkpointId);
  }

  async notifyCheckpointComplete(checkpointId: number): Promise<void> {
    if (this.writer.notifyCheckpointComplete === undefined) return;
    const from = performance.now();
    try {
      await this.writer.notifyCheckpointComplete(checkpointId);
    } catch (e) {
      throw operatorFailure(this.ctx, e, 'notifyCheckpointComplete');
    }
    this.lastCommitMs = performance.now() - from;
    this.commits++;
    this.commitMs += this.lastCommitMs;
  }

  async notifyCheckpointAborted(checkpointId: number): Promise<void> {
    await this.writer.notifyCheckpointAborted?.(checkpointId);
  }
}
