/**
 * What a job last restored from, when that is not one of its own checkpoints (a savepoint, or a
 * checkpoint of another job): kept as a job record beside the checkpoints so that a run that
 * crashes before its first new checkpoint completes goes back to the same place, not to an older
 * checkpoint of the job. Cleared once a newer checkpoint subsumes it.
 */
export interface RestoredFrom {
  readonly pointer: string;
  readonly checkpointId: number;
}

/** The job record's name (see `CheckpointStorage.writeJobRecord`). */
export const RESTORED_FROM_RECORD = 'restored-from';

export function encodeRestoredFrom(r: RestoredFrom): Uint8Array {
  return new TextEncoder().encode(JSON.stringify({ pointer: r.pointer, checkpointId: r.checkpointId }));
}

/** `undefined` for bytes that are not a record (a damaged record is as good as none). */
export function decodeRestoredFrom(bytes: Uint8Array): RestoredFrom | undefined {
  try {
    const r = JSON.parse(new TextDecoder().decode(bytes)) as Partial<RestoredFrom>;
    if (typeof r.pointer === 'string' && typeof r.checkpointId === 'number' && Number.isSafeInteger(r.checkpointId)) {
      return { pointer: r.pointer, checkpointId: r.checkpointId };
    }
  } catch {
    // fall through
  }
  return undefined;
}
