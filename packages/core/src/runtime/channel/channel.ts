import type { ChannelItem } from '../events.ts';

/**
 * The seams between tasks. A local implementation passes items by reference on one event loop; a
 * thread or Redis transport implements the same interfaces with encoded batches, so neither the
 * operators nor the checkpoint coordinator know which one they run on.
 */

/**
 * The producing end of a channel. Backpressure is a return value plus a wake-up (as undici's
 * `dispatch()` and `'drain'`): `offer` always takes the item, and answers `false` once the channel
 * is at capacity; the producer then finishes its current step and awaits `whenWritable()` before
 * producing more. Memory is bounded by the capacity plus one step's output.
 */
export interface ChannelWriter {
  offer(item: ChannelItem): boolean;
  /** Resolves once the channel has drained to half its capacity (or was closed). */
  whenWritable(): Promise<void>;
  readonly isFull: boolean;
  /** Items queued (or sent and not yet taken) over capacity: 0 empty, 1 full (read for metrics, not per record). */
  readonly fill: number;
}

/** What a task waits on after a step when it is full: a channel, or a sink writer with bounded work in flight. */
export type Backpressure = Pick<ChannelWriter, 'isFull' | 'whenWritable'> & { readonly fill?: number };

/**
 * The consuming end of a task's input channels, read as one. A held channel is not read (barrier
 * alignment): its items stay queued, and so its producer feels backpressure.
 */
export interface InputGate {
  readonly numberOfChannels: number;
  /** The next item of a readable, non-held channel; `undefined` when none has one. */
  next(): ChannelItem | undefined;
  /** The channel index of the item `next()` returned last. */
  readonly lastChannel: number;
  /** Resolves once some non-held channel has an item (or the gate was closed). */
  whenReadable(): Promise<void>;
  hold(channel: number): void;
  release(channel: number): void;
  isHeld(channel: number): boolean;
  /** Wakes every waiter: used when the job is cancelled. */
  close(): void;
  /** Items queued in all channels over their capacity, 0..1 (read for metrics). */
  readonly fill: number;
}

/** Identifies one channel: from subtask `fromSubtask` of vertex `from` to subtask `toSubtask` of vertex `to`. */
export interface ChannelSpec {
  readonly from: string;
  readonly fromSubtask: number;
  readonly to: string;
  readonly toSubtask: number;
  /** Which input edge of the downstream task (two edges may join the same pair of tasks). */
  readonly input: number;
  /** Capacity in items (batches and events). */
  readonly capacity: number;
}

/** Builds channels between subtasks. */
export interface Transport {
  writer(spec: ChannelSpec): ChannelWriter;
  gate(specs: readonly ChannelSpec[]): InputGate;
}
