import type { CheckpointFailureReason } from '../failure-reason.ts';
import type { CheckpointLocation } from '../storage/checkpoint-storage.ts';
import type { CheckpointTaskGateway } from '../task-gateway.ts';

/**
 * A task gateway that records every call and checks the protocol order (Flink's
 * `ValidatingCheckpointHandler`):
 * - a checkpoint is triggered once;
 * - `notifyComplete(n)` only for a triggered `n` whose metadata is durable (`isFinalized(n)`);
 * - each checkpoint ends once: never both completed and aborted, never twice either way.
 * Violations are collected in `violations` (a test asserts it is empty) rather than thrown into the
 * coordinator. `onTrigger` lets a test play the tasks (acknowledge, decline, throw).
 */
export class ValidatingTaskGateway implements CheckpointTaskGateway {
  readonly calls: GatewayCall[] = [];
  readonly violations: string[] = [];
  onTrigger: (checkpointId: number, kind: 'checkpoint' | 'savepoint', location: CheckpointLocation) => void = () => {};
  readonly #isFinalized: (checkpointId: number) => boolean;
  readonly #triggered = new Map<number, CheckpointLocation>();
  readonly #ended = new Map<number, 'completed' | 'aborted'>();

  constructor(isFinalized: (checkpointId: number) => boolean) {
    this.#isFinalized = isFinalized;
  }

  triggerSources(checkpointId: number, triggeredAt: number, kind: 'checkpoint' | 'savepoint', location: CheckpointLocation): void {
    this.calls.push({ call: 'trigger', checkpointId, triggeredAt, kind });
    if (this.#triggered.has(checkpointId)) this.violations.push(`checkpoint ${checkpointId} triggered twice`);
    this.#triggered.set(checkpointId, location);
    this.onTrigger(checkpointId, kind, location);
  }

  notifyComplete(checkpointId: number): void {
    this.calls.push({ call: 'complete', checkpointId });
    if (!this.#triggered.has(checkpointId)) this.violations.push(`checkpoint ${checkpointId} completed but never triggered`);
    if (!this.#isFinalized(checkpointId)) this.violations.push(`checkpoint ${checkpointId} completed before its metadata was durable`);
    this.#end(checkpointId, 'completed');
  }

  notifyAborted(checkpointId: number, reason: CheckpointFailureReason): void {
    this.calls.push({ call: 'aborted', checkpointId, reason });
    if (!this.#triggered.has(checkpointId)) this.violations.push(`checkpoint ${checkpointId} aborted but never triggered`);
    this.#end(checkpointId, 'aborted');
  }

  /** Ids triggered, in order. */
  get triggeredIds(): number[] {
    return [...this.#triggered.keys()];
  }

  /** The location checkpoint `checkpointId` was triggered with. */
  locationOf(checkpointId: number): CheckpointLocation {
    const location = this.#triggered.get(checkpointId);
    if (location === undefined) throw new Error(`checkpoint ${checkpointId} was not triggered`);
    return location;
  }

  /** How checkpoint `checkpointId` ended, as the tasks were told. */
  outcomeOf(checkpointId: number): 'completed' | 'aborted' | undefined {
    return this.#ended.get(checkpointId);
  }

  #end(checkpointId: number, outcome: 'completed' | 'aborted'): void {
    const previous = this.#ended.get(checkpointId);
    if (previous !== undefined) this.violations.push(`checkpoint ${checkpointId} ${outcome} after it was already ${previous}`);
    else this.#ended.set(checkpointId, outcome);
  }
}

/** One recorded gateway call. */
export type GatewayCall =
  | { readonly call: 'trigger'; readonly checkpointId: number; readonly triggeredAt: number; readonly kind: 'checkpoint' | 'savepoint' }
  | { readonly call: 'complete'; readonly checkpointId: number }
  | { readonly call: 'aborted'; readonly checkpointId: number; readonly reason: CheckpointFailureReason };
