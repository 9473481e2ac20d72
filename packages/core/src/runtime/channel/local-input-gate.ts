import type { ChannelItem } from '../events.ts';
import type { InputGate } from './channel.ts';

/** What a gate reads: a local channel, or the receiving end of a channel from another thread. */
export interface GateChannel {
  /** Takes the oldest item; `undefined` when empty. */
  poll(): ChannelItem | undefined;
  readonly size: number;
  readonly capacity: number;
  /** Set by the gate: called when an item arrives on an empty channel. */
  onReadable: (() => void) | null;
}

/**
 * Reads a task's local input channels as one, round-robin over the channels that have items and
 * are not held. "Held" means "not read": alignment leaves a channel out of the selection, its items
 * stay queued in it.
 */
export class LocalInputGate implements InputGate {
  readonly #channels: GateChannel[];
  readonly #held: boolean[];
  #cursor = 0;
  #lastChannel = -1;
  #waiter: (() => void) | null = null;
  #closed = false;

  constructor(channels: GateChannel[]) {
    this.#channels = channels;
    this.#held = channels.map(() => false);
    channels.forEach((ch, i) => {
      ch.onReadable = () => {
        if (!this.#held[i]) this.#wake();
      };
    });
  }

  get fill(): number {
    let queued = 0;
    let capacity = 0;
    for (const ch of this.#channels) {
      queued += ch.size;
      capacity += ch.capacity;
    }
    return capacity === 0 ? 0 : Math.min(1, queued / capacity);
  }

  get numberOfChannels(): number {
    return this.#channels.length;
  }

  get lastChannel(): number {
    return this.#lastChannel;
  }

  next(): ChannelItem | undefined {
    const n = this.#channels.length;
    for (let tried = 0; tried < n; tried++) {
      const i = this.#cursor;
      this.#cursor = i + 1 === n ? 0 : i + 1;
      if (this.#held[i]) continue;
      const item = this.#channels[i].poll();
      if (item !== undefined) {
        this.#lastChannel = i;
        return item;
      }
    }
    return undefined;
  }

  whenReadable(): Promise<void> {
    if (this.#closed || this.#hasReadable()) return Promise.resolve();
    return new Promise<void>((resolve) => {
      this.#waiter = resolve;
    });
  }

  hold(channel: number): void {
    this.#held[channel] = true;
  }

  release(channel: number): void {
    this.#held[channel] = false;
    if (this.#channels[channel].size > 0) this.#wake();
  }

  isHeld(channel: number): boolean {
    return this.#held[channel];
  }

  close(): void {
    this.#closed = true;
    this.#wake();
  }

  #hasReadable(): boolean {
    for (let i = 0; i < this.#channels.length; i++) if (!this.#held[i] && this.#channels[i].size > 0) return true;
    return false;
  }

  #wake(): void {
    const w = this.#waiter;
    if (w !== null) {
      this.#waiter = null;
      w();
    }
  }
}
