import type PQueue from 'p-queue';
import type { Logger } from 'pino';
import type { CheckpointStorage } from '../../checkpoint/storage/checkpoint-storage.ts';
import type { KeyedStateBackend } from '../../state/state-backend.ts';
import type { CheckpointBarrier } from '../events.ts';
import type { CheckpointParticipant } from './checkpointed.ts';
import type { CheckpointResponder } from './checkpoint-responder.ts';
import { SnapshotEncodeError, takeTaskSnapshot, writeTaskSnapshot } from './task-snapshot.ts';

/** What every task of a checkpointing job shares. */
export interface CheckpointServices {
  readonly storage: CheckpointStorage;
  readonly responder: CheckpointResponder;
  /** Bounds concurrent snapshot uploads across the job's tasks. */
  readonly uploads: PQueue;
}

/**
 * A task's part in the checkpoint protocol: at the barrier, copy state (sync), forward the
 * barrier, then encode and write in the background (async) and acknowledge with the handles.
 * Completion and abort notices reach every participant, on the task's loop.
 */
export class TaskCheckpointing {
  constructor(
    readonly taskKey: string,
    readonly subtaskIndex: number,
    readonly services: CheckpointServices,
    readonly keyed: { uid: string; backend: KeyedStateBackend } | null,
    readonly participants: readonly CheckpointParticipant[],
    readonly logger: Logger,
  ) {}

  /**
   * Snapshots at `barrier` and calls `forwardBarrier` right after the synchronous part, before
   * any record that follows the barrier is processed.
   */
  perform(barrier: CheckpointBarrier, alignmentMs: number, forwardBarrier: () => void): void {
    const id = barrier.checkpointId;
    const t0 = performance.now();
    const snapshot = takeTaskSnapshot(id, this.keyed, this.participants);
    const syncMs = performance.now() - t0;
    forwardBarrier();
    const { storage, responder } = this.services;
    void this.services.uploads.add(async () => {
      const t1 = performance.now();
      try {
        const { states, stateSize } = await writeTaskSnapshot(snapshot, this.subtaskIndex, barrier.location, storage);
        responder.acknowledge(id, this.taskKey, states, {
          alignmentMs,
          // Key groups a record reached before the background encoder did were encoded on the
          // record path too: that time is synchronous as far as throughput is concerned.
          syncMs: syncMs + (snapshot.keyed?.snapshot.recordPathMs ?? 0),
          asyncMs: performance.now() - t1,
          stateSize,
        });
      } catch (e) {
        const encoding = e instanceof SnapshotEncodeError;
        this.logger.warn({ checkpointId: id, err: e }, `${encoding ? 'encoding' : 'writing'} the snapshot failed; declining the checkpoint`);
        responder.decline(id, this.taskKey, encoding ? 'snapshot-encode-failed' : 'storage-write-failed', e);
      }
    });
  }

  decline(checkpointId: number, reason: 'subsumed-by-newer-barrier'): void {
    this.services.responder.decline(checkpointId, this.taskKey, reason);
  }

  async notifyComplete(checkpointId: number): Promise<void> {
    for (const p of this.participants) await p.notifyCheckpointComplete?.(checkpointId);
  }

  async notifyAborted(checkpointId: number): Promise<void> {
    for (const p of this.participants) await p.notifyCheckpointAborted?.(checkpointId);
  }
}
