import type { CheckpointConfig } from './checkpoint-config.ts';

/**
 * Pacing: whether a checkpoint may start now (Flink's `CheckpointRequestDecider`).
 *
 * The rule, in order:
 * 1. A savepoint always starts, whatever is in progress: the user asked for it now.
 * 2. A checkpoint does not start while `maxConcurrent` checkpoints are in progress: it is skipped
 *    (reason `too-many-concurrent`); a periodic trigger tries again at the next interval.
 * 3. A periodic checkpoint does not start until `minPause` ms have passed since the last checkpoint
 *    completed or aborted: it waits for the rest of the pause. A checkpoint requested by hand is not
 *    paced by `minPause`.
 * 4. Otherwise it starts.
 */

/** Who asks for a checkpoint. */
export type TriggerOrigin = 'periodic' | 'manual' | 'savepoint';

/** The facts the decision depends on. */
export interface TriggerRequest<O extends TriggerOrigin = TriggerOrigin> {
  readonly origin: O;
  /** Clock time now, ms. */
  readonly now: number;
  /** Clock time the last checkpoint completed or aborted, ms; undefined before the first one ended. */
  readonly lastCompletionTime: number | undefined;
  /** Checkpoints and savepoints in progress (triggered, neither completed nor aborted). */
  readonly pendingCount: number;
}

/** Start the checkpoint now. */
export interface TriggerNow {
  readonly kind: 'trigger';
}
/** Try again in `delayMs` (only for periodic requests). */
export interface TriggerLater {
  readonly kind: 'wait';
  readonly delayMs: number;
}
/** Do not start this checkpoint. */
export interface TriggerSkipped {
  readonly kind: 'skip';
  readonly reason: 'too-many-concurrent';
}

/** The outcome of {@link decideTrigger}. */
export type TriggerDecision = TriggerNow | TriggerLater | TriggerSkipped;

/** Decides whether a checkpoint may start now; see the module doc for the rule. */
export function decideTrigger(request: TriggerRequest<'periodic'>, config: PacingConfig): TriggerDecision;
export function decideTrigger(
  request: TriggerRequest<'manual' | 'savepoint'>,
  config: PacingConfig,
): TriggerNow | TriggerSkipped;
export function decideTrigger(request: TriggerRequest, config: PacingConfig): TriggerDecision {
  if (request.origin === 'savepoint') return TRIGGER;
  if (request.pendingCount >= config.maxConcurrent) return { kind: 'skip', reason: 'too-many-concurrent' };
  if (request.origin === 'periodic' && request.lastCompletionTime !== undefined) {
    const delayMs = request.lastCompletionTime + config.minPause - request.now;
    if (delayMs > 0) return { kind: 'wait', delayMs };
  }
  return TRIGGER;
}

/** The options pacing reads. */
export type PacingConfig = Pick<CheckpointConfig, 'minPause' | 'maxConcurrent'>;

const TRIGGER: TriggerNow = Object.freeze({ kind: 'trigger' });
