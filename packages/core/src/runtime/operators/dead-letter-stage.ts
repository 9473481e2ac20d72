import { randomBytes } from 'node:crypto';
import PQueue from 'p-queue';
import type { Logger } from 'pino';
import type { DeadLetter, DeadLetterQueue } from '../../connector/dead-letter.ts';
import type { OperatorLists } from '../../state/snapshot/snapshot-codec.ts';
import type { CheckpointParticipant } from '../checkpointing/checkpointed.ts';

/** The operator list that holds staged dead letters (the `__` prefix keeps it apart from user lists). */
export const DEAD_LETTER_LIST = '__deadLetters';

/** Letters of one checkpoint interval of one subtask, as stored in checkpoints. */
interface LetterBatch {
  /** Unique per job, operator, subtask, checkpoint and attempt: what makes `writeBatch` idempotent. */
  readonly id: string;
  readonly checkpointId: number;
  readonly letters: readonly DeadLetter[];
}

/**
 * An operator subtask's dead letters as output of the checkpoint protocol (Flink's write-ahead
 * sink): letters of the records before barrier n are stored in checkpoint n, as operator state,
 * and written with `writeBatch` once n is complete. A restore writes the batches its checkpoint
 * holds again (the queue ignores a batch id it has written), and letters of records after the
 * checkpoint are lost with the crash and written again when the records are replayed: each
 * letter is written once.
 *
 * A batch whose write fails stays pending, in every later checkpoint, and is tried again when the
 * next checkpoint completes.
 */
export class DeadLetterStage implements CheckpointParticipant {
  #current: DeadLetter[] = [];
  #pending: LetterBatch[];
  readonly #writes = new PQueue({ concurrency: 1 });
  readonly #idPrefix: string;

  constructor(
    readonly uid: string,
    where: { readonly jobName: string; readonly subtaskIndex: number },
    readonly queue: DeadLetterQueue & Required<Pick<DeadLetterQueue, 'writeBatch'>>,
    restored: OperatorLists | undefined,
    readonly logger: Logger,
  ) {
    this.#idPrefix = `${where.jobName}/${uid}/${where.subtaskIndex}/${randomBytes(4).toString('hex')}`;
    this.#pending = ((restored?.[DEAD_LETTER_LIST] ?? []) as LetterBatch[]).slice();
  }

  send(letter: DeadLetter): void {
    this.#current.push(letter);
  }

  /** Writes the batches the restored checkpoint holds (it is complete): before the first record. */
  async writeRestored(): Promise<void> {
    const restored = this.#pending.splice(0);
    for (const batch of restored) await this.queue.writeBatch(batch.id, batch.letters);
    if (restored.length > 0) this.logger.info({ batches: restored.length }, 'wrote the dead letters of the restored checkpoint');
  }

  snapshotState(checkpointId: number): OperatorLists | undefined {
    if (this.#current.length > 0) {
      this.logger.warn({ letters: this.#current.length, checkpointId }, `${this.#current.length} record(s) dead-lettered since the last checkpoint`);
      this.#pending.push({ id: `${this.#idPrefix}/${checkpointId}`, checkpointId, letters: this.#current });
      this.#current = [];
    }
    return this.#pending.length === 0 ? undefined : { [DEAD_LETTER_LIST]: this.#pending.slice() };
  }

  notifyCheckpointComplete(checkpointId: number): void {
    for (const batch of this.#pending) {
      if (batch.checkpointId > checkpointId) break;
      void this.#writes.add(async () => {
        if (!this.#pending.includes(batch)) return; // written by an earlier notice
        try {
          await this.queue.writeBatch(batch.id, batch.letters);
          this.#pending.splice(this.#pending.indexOf(batch), 1);
        } catch (err) {
          this.logger.warn({ err, batch: batch.id }, 'writing dead letters failed; the next complete checkpoint tries again');
        }
      });
    }
  }
}
