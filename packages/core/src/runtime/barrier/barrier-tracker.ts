import type { CheckpointBarrier } from '../events.ts';
import type { BarrierHandler, CheckpointableTask } from './barrier-handler.ts';

/**
 * At-least-once barrier handling (Flink's CheckpointBarrierTracker): channels are never held, the
 * task snapshots when barrier n has arrived on every open channel. Records that overtook the
 * barrier on a faster channel are already in the snapshot and are replayed again after a
 * restore: duplicates are possible, waiting is not.
 */
export class BarrierTracker implements BarrierHandler {
  /**
   * Checkpoint id → the channels that delivered its barrier; ids ascend, older ones are dropped once
   * a newer one completes. Channels, not a count: a channel that delivered barrier n and then ended
   * must not be counted twice (once for its barrier, once by no longer being open).
   */
  readonly #pending = new Map<number, { seen: boolean[]; barrier: CheckpointBarrier; start: number }>();
  readonly #ended: boolean[];

  constructor(readonly task: CheckpointableTask) {
    this.#ended = new Array<boolean>(task.gate.numberOfChannels).fill(false);
  }

  async onBarrier(barrier: CheckpointBarrier, channel: number): Promise<void> {
    const id = barrier.checkpointId;
    let p = this.#pending.get(id);
    if (p === undefined) {
      p = { seen: new Array<boolean>(this.#ended.length).fill(false), barrier, start: performance.now() };
      this.#pending.set(id, p);
    }
    p.seen[channel] = true;
    await this.#completeReady();
  }

  async onEndOfStream(channel: number): Promise<void> {
    if (this.#ended[channel]) return;
    this.#ended[channel] = true;
    await this.#completeReady();
  }

  async #completeReady(): Promise<void> {
    for (const [id, p] of [...this.#pending]) {
      if (!p.seen.every((seen, ch) => seen || this.#ended[ch])) continue;
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
