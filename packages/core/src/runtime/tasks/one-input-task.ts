import type { KeyedStateBackend } from '../../state/state-backend.ts';
import type { Backpressure, InputGate } from '../channel/channel.ts';
import {
  BARRIER,
  BATCH,
  END_OF_STREAM,
  WATERMARK,
  WATERMARK_ACTIVE,
  WATERMARK_IDLE,
  WATERMARK_STATUS,
  Watermark,
  type Batch,
  type CheckpointBarrier,
} from '../events.ts';
import type { OperatorChain } from '../operator-chain.ts';
import type { Output } from '../output/output.ts';
import type { BarrierHandler, CheckpointableTask } from '../barrier/barrier-handler.ts';
import type { MailboxProcessingTimeService } from '../time/processing-time-service.ts';
import type { RecordTime } from '../time/record-time.ts';
import { StatusWatermarkValve } from '../time/status-watermark-valve.ts';
import type { Mailbox } from './mailbox.ts';
import { StreamTask, type TaskInfo } from './stream-task.ts';

/**
 * A task fed by an input gate: takes batches, barriers, watermarks and end-of-stream in channel
 * order. For a keyed head operator it sets the current key of each record (carried in the batch
 * from upstream) on the keyed state backend before handing the record on; with event time, it
 * sets the record's time too. Watermarks and idleness of the channels are combined into the
 * task's event time by a {@link StatusWatermarkValve} (the minimum over active channels).
 *
 * A task whose head has two inputs (connect, interval join) is the same loop with a head per
 * channel (`channelHeads`): each channel's records go to the input it belongs to.
 */
export class OneInputTask extends StreamTask implements CheckpointableTask {
  /** Set by the checkpointing layer (aligned or not); `null` when the job does not checkpoint. */
  barrierHandler: BarrierHandler | null = null;
  readonly #valve: StatusWatermarkValve;
  /** Where each channel's records go: the chain's head, or one input of a two-input head. */
  readonly #heads: readonly Output<unknown>[];

  constructor(
    info: TaskInfo,
    chain: OperatorChain,
    writers: readonly Backpressure[],
    readonly gate: InputGate,
    readonly keyedBackend: KeyedStateBackend | null,
    /** The event time of the record being processed, shared with the chain. */
    readonly time: RecordTime,
    mailbox?: Mailbox,
    processingTime?: MailboxProcessingTimeService,
    channelHeads?: readonly Output<unknown>[],
  ) {
    super(info, chain, writers, mailbox, processingTime);
    this.#heads = channelHeads ?? new Array<Output<unknown>>(gate.numberOfChannels).fill(chain.head);
    this.#valve = new StatusWatermarkValve(gate.numberOfChannels, {
      watermark: (ts) => this.chain.head.emitEvent(new Watermark(ts)),
      status: (idle) => this.chain.head.emitEvent(idle ? WATERMARK_IDLE : WATERMARK_ACTIVE),
    });
  }

  override get inputFill(): number {
    return this.gate.fill;
  }

  /** The task's event time: the last watermark it passed on. */
  get currentWatermark(): number {
    return this.#valve.current;
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
        await this.idleUntil(Promise.race([gate.whenReadable(), this.mailbox.whenMail()]));
        this.throwIfCancelled();
        continue;
      }
      switch (item.kind) {
        case BATCH:
          this.#processBatch(item, gate.lastChannel);
          break;
        case BARRIER:
          if (this.barrierHandler !== null) await this.barrierHandler.onBarrier(item, gate.lastChannel);
          break;
        case WATERMARK:
          this.#valve.inputWatermark(item.timestamp, gate.lastChannel);
          break;
        case WATERMARK_STATUS:
          this.#valve.inputStatus(item.idle, gate.lastChannel);
          break;
        case END_OF_STREAM: {
          const ch = gate.lastChannel;
          if (!ended[ch]) {
            ended[ch] = true;
            open--;
            // An ended channel no longer holds event time back.
            this.#valve.endOfInput(ch);
            if (this.barrierHandler !== null) await this.barrierHandler.onEndOfStream(ch);
          }
          break;
        }
      }
      if (this.mustPause()) await this.pause();
    }
  }

  #processBatch(batch: Batch, channel: number): void {
    const records = batch.records;
    const head = this.#heads[channel];
    const n = records.length;
    this.recordsIn += n;
    const backend = this.keyedBackend;
    const timestamps = batch.timestamps;
    const time = this.time;
    if (timestamps === null) time.timestamp = NaN;
    if (backend !== null) {
      const keys = batch.keys!;
      const groups = batch.keyGroups!;
      if (timestamps === null) {
        for (let i = 0; i < n; i++) {
          backend.setCurrentKey(keys[i], groups[i]);
          head.collect(records[i]);
        }
      } else {
        for (let i = 0; i < n; i++) {
          backend.setCurrentKey(keys[i], groups[i]);
          time.timestamp = timestamps[i];
          head.collect(records[i]);
        }
      }
    } else if (timestamps === null) {
      for (let i = 0; i < n; i++) head.collect(records[i]);
    } else {
      for (let i = 0; i < n; i++) {
        time.timestamp = timestamps[i];
        head.collect(records[i]);
      }
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
