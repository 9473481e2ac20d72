import { CheckpointException, type CheckpointFailureReason } from '../checkpoint/failure-reason.ts';
import type { CheckpointLocation } from '../checkpoint/storage/checkpoint-storage.ts';
import type { CheckpointTaskGateway } from '../checkpoint/task-gateway.ts';
import { CheckpointBarrier } from '../runtime/events.ts';
import type { Deployment } from './deployment.ts';

/** How soon a refused request for the final checkpoint is repeated. */
const FINAL_RETRY_MS = 20;

/**
 * The coordinator's way into the tasks of one execution attempt: triggers go to the source tasks'
 * mailboxes, notices to every task's mailbox, so each runs on its task's own loop (through the
 * deployment, whichever thread the task runs on).
 *
 * It also decides when a job with bounded sources may finish: once every source reader has ended,
 * the next checkpoint that completes covers all input (a final checkpoint), and only then are the
 * source tasks told to end their input, so that exactly-once sinks commit everything before the
 * job finishes and nothing is committed that a restore would replay.
 */
export class AttemptGateway implements CheckpointTaskGateway {
  #ended = 0;
  /** The first checkpoint id that counts as final; set when the last reader ends. */
  #finalFrom = Infinity;
  /** A checkpoint with id ≥ `#finalFrom` has been triggered (and not aborted). */
  #finalTriggered = false;

  constructor(
    readonly deployment: Deployment,
    /** The id the next triggered checkpoint will get. */
    readonly nextCheckpointId: () => number,
    /** Asks for a checkpoint now (the final one); rejects when the coordinator refuses. */
    readonly requestCheckpoint: () => Promise<unknown>,
  ) {
    deployment.onSourceEnded = () => this.#onReaderEnded();
  }

  triggerSources(checkpointId: number, triggeredAt: number, kind: 'checkpoint' | 'savepoint', location: CheckpointLocation): void {
    if (kind === 'checkpoint' && checkpointId >= this.#finalFrom) this.#finalTriggered = true;
    this.deployment.triggerSources(new CheckpointBarrier(checkpointId, triggeredAt, kind, location));
  }

  notifyComplete(checkpointId: number): void {
    this.deployment.notifyComplete(checkpointId);
    if (checkpointId >= this.#finalFrom) this.deployment.endInput();
  }

  notifyAborted(checkpointId: number, _reason: CheckpointFailureReason): void {
    this.deployment.notifyAborted(checkpointId);
    // The final checkpoint failed: ask for another one rather than wait for the periodic trigger.
    if (checkpointId >= this.#finalFrom) {
      this.#finalTriggered = false;
      this.#requestFinal();
    }
  }

  #onReaderEnded(): void {
    if (++this.#ended < this.deployment.sourceCount) return;
    this.#finalFrom = this.nextCheckpointId();
    this.#requestFinal();
  }

  /**
   * Asks for the final checkpoint until one is triggered: a request is refused while another
   * checkpoint or a savepoint is in flight, and waiting for the periodic trigger could take minutes.
   */
  #requestFinal(): void {
    if (this.#finalTriggered) return;
    this.requestCheckpoint().catch((e: unknown) => {
      if (e instanceof CheckpointException && e.reason === 'coordinator-shutdown') return;
      setTimeout(() => this.#requestFinal(), FINAL_RETRY_MS);
    });
  }
}
