import type { ChannelItem } from '../events.ts';
import type { InputGate } from './channel.ts';
import type { LocalChannel } from './local-channel.ts';

/**
 * Reads a task's local input channels as one, round-robin over the channels that have items and
 * are not held. "Held" means "not read": alignment leaves a channel out of the selection, its items
 * stay queued in it.
 */
export class LocalInputGate implements InputGate {
  readonly #channels: LocalChannel[];
  readonly #held: boolean[];
  #cursor = 0;
  #lastChannel = -1;
  #waiter: (() => void) | null = null;
  #closed = false;

  constructor(channels: LocalChannel[]) {
    this.#channels = channels;
    this.#held = channels.map(() => false);
    channels.forEach((ch, i) => {
      ch.onReadable = () => {
        if (!this.#held[i]) this.#wake();
      };
    });
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
