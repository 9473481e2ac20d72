import type { CheckpointLocation } from '@weir/core';

/**
 * Pointers of Redis checkpoint storage: `redis:<root>`, where root is the key prefix of one
 * checkpoint or savepoint (see `keys.ts`):
 *
 * ```
 * redis:weir:ck:wordcount:chk:17        checkpoint 17 of job `wordcount`, prefix `weir`
 * redis:weir:sp:17-k3x9qa               a savepoint taken as checkpoint 17
 * redis:weir:ck:wordcount:chk:17:_metadata   also accepted by resolve, like an fs `_metadata` path
 * ```
 *
 * Pure: parsing and formatting only.
 */

export const POINTER_SCHEME = 'redis:';

const CHECKPOINT_ROOT = /^(.+):ck:([^:]+):chk:([1-9][0-9]*)$/;
const SAVEPOINT_ROOT = /^(.+):sp:([1-9][0-9]*)-([a-z0-9]{6})$/;

/** A pointer taken apart. `indexKey` is the job's checkpoint index, for checkpoints only. */
export interface ParsedPointer {
  readonly location: CheckpointLocation;
  readonly root: string;
  readonly indexKey: string | undefined;
}

/** `redis:<root>` (or `redis:<root>:_metadata`) → its location; undefined for anything else. */
export function parsePointer(pointer: string): ParsedPointer | undefined {
  if (!pointer.startsWith(POINTER_SCHEME)) return undefined;
  let root = pointer.slice(POINTER_SCHEME.length);
  if (root.endsWith(':_metadata')) root = root.slice(0, -':_metadata'.length);
  const ck = CHECKPOINT_ROOT.exec(root);
  if (ck !== null) {
    const checkpointId = Number(ck[3]);
    if (!Number.isSafeInteger(checkpointId)) return undefined;
    return {
      location: { checkpointId, kind: 'checkpoint', pointer: POINTER_SCHEME + root },
      root,
      indexKey: `${ck[1]}:ck:${ck[2]}:index`,
    };
  }
  const sp = SAVEPOINT_ROOT.exec(root);
  if (sp !== null) {
    const checkpointId = Number(sp[2]);
    if (!Number.isSafeInteger(checkpointId)) return undefined;
    return { location: { checkpointId, kind: 'savepoint', pointer: POINTER_SCHEME + root }, root, indexKey: undefined };
  }
  return undefined;
}

/** Six characters of `[a-z0-9]` from six random bytes: the suffix that keeps savepoints apart. */
export function savepointSuffix(entropy: Uint8Array): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  let suffix = '';
  for (let i = 0; i < 6; i++) suffix += alphabet[entropy[i] % alphabet.length];
  return suffix;
}
