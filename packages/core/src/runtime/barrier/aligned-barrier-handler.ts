import type { CheckpointBarrier } from '../events.ts';
import type { BarrierHandler, CheckpointableTask } from './barrier-handler.ts';

/**
 * Exactly-once alignment (Flink's SingleCheckpointBarrierHandler.aligned). When barrier n arrives
 * on a channel, that channel is held, its later records stay queued, until barrier n has arrived
 * on every open channel; then the task snapshots and every channel is released. Records before
 * the barrier on every channel are in the snapshot, none after it.
 *
 * States: waiting for the first barrier (`#current === -1`), or aligning checkpoint `#current`
 * with `#arrived` of the open channels in.
 *
 * A barrier of a newer checkpoint while aligning an older one aborts the older one (the sources
 * have moved on), and alignment starts over for the newer one.
 */
export class AlignedBarrierHandler implements BarrierHandler {
  #current = -1;
  #arrived = 0;
  #alignStart = 0;
  readonly #received: boolean[];
  readonly #ended: boolean[];
  #open: number;

  constructor(readonly task: CheckpointableTask) {
    const n = task.gate.numberOfChannels;
    this.#received = new Array<boolean>(n).fill(false);
    this.#ended = new Array<boolean>(n).fill(false);
    this.#open = n;
  }

  async onBarrier(barrier: CheckpointBarrier, channel: number): Promise<void> {
    const id = barrier.checkpointId;
    if (id < this.#current) return; // a late barrier of a checkpoint already given up
    if (id > this.#current) {
      if (this.#arrived > 0) {
        this.task.abortCheckpointOnBarrier(this.#current, 'subsumed-by-newer-barrier');
        this.#releaseAll();
      }
      this.#current = id;
      this.#alignStart = performance.now();
    }
    if (this.#received[channel]) return;
    this.#received[channel] = true;
    this.#arrived++;
    this.task.gate.hold(channel);
    await this.#completeIfAligned(barrier);
  }

  async onEndOfStream(channel: number): Promise<void> {
    if (this.#ended[channel]) return;
    this.#ended[channel] = true;
    this.#open--;
    if (this.#received[channel]) {
      this.#received[channel] = false;
      this.#arrived--;
    }
    if (this.#pendingBarrier !== null) await this.#completeIfAligned(this.#pendingBarrier);
  }

  #pendingBarrier: CheckpointBarrier | null = null;

  async #completeIfAligned(barrier: CheckpointBarrier): Promise<void> {
    if (this.#arrived < this.#open || this.#arrived === 0) {
      this.#pendingBarrier = barrier;
      return;
    }
    this.#pendingBarrier = null;
    const alignmentMs = performance.now() - this.#alignStart;
    this.#releaseAll();
    await this.task.triggerCheckpointOnBarrier(barrier, alignmentMs);
  }

  #releaseAll(): void {
    for (let ch = 0; ch < this.#received.length; ch++) {
      if (this.#received[ch]) {
        this.#received[ch] = false;
        this.task.gate.release(ch);
      }
    }
    this.#arrived = 0;
  }
}
