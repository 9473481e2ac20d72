import type { ReaderOutput, SourceOutput } from '../../connector/source.ts';
import { Watermark } from '../events.ts';
import type { Output } from '../output/output.ts';

/**
 * What a reader polls into when its source has no watermark strategy: records go straight into
 * the chain (split outputs are the chain's head itself, so the hot path has no extra call), no
 * event time, no watermarks but `+∞` at the end of input, as Flink's sources emit.
 */
export class PassthroughReaderOutput<T> implements ReaderOutput<T> {
  constructor(readonly head: Output<T>) {}

  collect(record: T): void {
    this.head.collect(record);
  }

  createOutputForSplit(): SourceOutput<T> {
    return this.head;
  }

  releaseOutputForSplit(): void {}

  markIdle(): void {}

  start(): void {}

  afterPoll(): void {}

  stop(): void {}

  endOfInput(): void {
    this.head.emitEvent(new Watermark(Infinity));
  }
}
