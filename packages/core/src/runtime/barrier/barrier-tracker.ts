import type { CheckpointBarrier } from '../events.ts';
import type { BarrierHandler, CheckpointableTask } from './barrier-handler.ts';

/**
 * At-least-once barrier handling (Flink's CheckpointBarrierTracker): channels are never held, the
 * task snapshots when barrier n has arrived on every open channel. Records that overtook the
 * barrier on a faster channel are already in the snapshot and are replayed again after a
 * restore: duplicates are possible, waiting is not.
 */
export class BarrierTracker implements BarrierHandler {
  /** Checkpoint id → barriers seen; ids ascend, older ones are dropped once a newer one completes. */
  readonly #pending = new Map<number, { count: number; barrier: CheckpointBarrier; start: number }>();
  readonly #ended: boolean[];
  #open: number;

  constructor(readonly task: CheckpointableTask) {
    this.#ended = new Array<boolean>(task.gate.numberOfChannels).fill(false);
    this.#open = task.gate.numberOfChannels;
  }

  async onBarrier(barrier: CheckpointBarrier, _channel: number): Promise<void> {
    const id = barrier.checkpointId;
    let p = this.#pending.get(id);
    if (p === undefined) {
      p = { count: 0, barrier, start: performance.now() };
      this.#pending.set(id, p);
    }
    p.count++;
    await this.#completeReady();
  }

  async onEndOfStream(channel: number): Promise<void> {
    if (this.#ended[channel]) return;
    this.#ended[channel] = true;
    this.#open--;
    await this.#completeReady();
  }

  async #completeReady(): Promise<void> {
    for (const [id, p] of [...this.#pending]) {
      if (p.count < this.#open) continue;
      // Older checkpoints still incomplete will never complete here: their barriers were overtaken.
      for (const older of [...this.#pending.keys()]) {
        if (older < id) {
          this.#pending.delete(older);
          this.task.abortCheckpointOnBarrier(older, 'subsumed-by-newer-barrier');
        }
      }
      this.#pending.delete(id);
      await this.task.triggerCheckpointOnBarrier(p.barrier, performance.now() - p.start);
    }
  }
}
