import type { CheckpointBarrier } from '../events.ts';
import type { InputGate } from '../channel/channel.ts';

/**
 * Decides what barriers mean for a task with input channels: when the task snapshots, and which
 * channels are held meanwhile. One implementation per checkpointing mode.
 */
export interface BarrierHandler {
  onBarrier(barrier: CheckpointBarrier, channel: number): void | Promise<void>;
  /** A channel ended: alignment must no longer wait for it. */
  onEndOfStream(channel: number): void | Promise<void>;
}

/** What a barrier handler does to the task when a checkpoint is ready or must be dropped. */
export interface CheckpointableTask {
  readonly gate: InputGate;
  /** Every open channel delivered barrier n: snapshot now, then forward the barrier. */
  triggerCheckpointOnBarrier(barrier: CheckpointBarrier, alignmentMs: number): void | Promise<void>;
  /** Alignment of checkpoint n was given up (a newer barrier overtook it). */
  abortCheckpointOnBarrier(checkpointId: number, reason: 'subsumed-by-newer-barrier'): void;
}
