import type { KeyedStateBackend } from '../../state/state-backend.ts';
import type { Backpressure, InputGate } from '../channel/channel.ts';
import { BARRIER, BATCH, END_OF_STREAM, WATERMARK, Watermark, type Batch, type CheckpointBarrier } from '../events.ts';
import type { OperatorChain } from '../operator-chain.ts';
import type { BarrierHandler, CheckpointableTask } from '../barrier/barrier-handler.ts';
import { StreamTask, type TaskInfo } from './stream-task.ts';

/**
 * A task fed by an input gate: takes batches, barriers, watermarks and end-of-stream in channel
 * order. For a keyed head operator it sets the current key of each record (carried in the batch
 * from upstream) on the keyed state backend before handing the record on.
 */
export class OneInputTask extends StreamTask implements CheckpointableTask {
  /** Set by the checkpointing layer (aligned or not); `null` when the job does not checkpoint. */
  barrierHandler: BarrierHandler | null = null;
  readonly #watermarks: number[];
  #watermark = -Infinity;

  constructor(
    info: TaskInfo,
    chain: OperatorChain,
    writers: readonly Backpressure[],
    readonly gate: InputGate,
    readonly keyedBackend: KeyedStateBackend | null,
  ) {
    super(info, chain, writers);
    this.#watermarks = new Array(gate.numberOfChannels).fill(-Infinity);
  }

  protected async processInput(): Promise<void> {
    const gate = this.gate;
    let open = gate.numberOfChannels;
    const ended = new Array<boolean>(open).fill(false);
    while (open > 0) {
      const item = gate.next();
      if (item === undefined) {
        this.chain.head.flush();
        await this.runMail();
        await Promise.race([gate.whenReadable(), this.mailbox.whenMail()]);
        this.throwIfCancelled();
        continue;
      }
      switch (item.kind) {
        case BATCH:
          this.#processBatch(item);
          break;
        case BARRIER:
          if (this.barrierHandler !== null) await this.barrierHandler.onBarrier(item, gate.lastChannel);
          break;
        case WATERMARK:
          this.#processWatermark(item.timestamp, gate.lastChannel);
          break;
        case END_OF_STREAM: {
          const ch = gate.lastChannel;
          if (!ended[ch]) {
            ended[ch] = true;
            open--;
            // An ended channel no longer holds event time back.
            this.#watermarks[ch] = Infinity;
            if (this.barrierHandler !== null) await this.barrierHandler.onEndOfStream(ch);
          }
          break;
        }
      }
      if (this.mustPause()) await this.pause();
    }
  }

  #processBatch(batch: Batch): void {
    const records = batch.records;
    const head = this.chain.head;
    const n = records.length;
    this.recordsIn += n;
    const backend = this.keyedBackend;
    if (backend !== null) {
      const keys = batch.keys!;
      const groups = batch.keyGroups!;
      for (let i = 0; i < n; i++) {
        backend.setCurrentKey(keys[i], groups[i]);
        head.collect(records[i]);
      }
    } else {
      for (let i = 0; i < n; i++) head.collect(records[i]);
    }
  }

  /** The task's event time is the minimum over its channels; emitted only when it advances. */
  #processWatermark(timestamp: number, channel: number): void {
    if (timestamp <= this.#watermarks[channel]) return;
    this.#watermarks[channel] = timestamp;
    let min = Infinity;
    for (const w of this.#watermarks) if (w < min) min = w;
    if (min > this.#watermark && min !== Infinity) {
      this.#watermark = min;
      this.chain.head.emitEvent(new Watermark(min));
    }
  }

  triggerCheckpointOnBarrier(barrier: CheckpointBarrier, alignmentMs: number): void {
    this.performCheckpoint(barrier, alignmentMs);
  }

  abortCheckpointOnBarrier(checkpointId: number, reason: 'subsumed-by-newer-barrier'): void {
    this.checkpointing?.decline(checkpointId, reason);
  }

  protected override onCancel(): void {
    this.gate.close();
  }
}
