/**
 * The one place that formats and parses the names checkpoint storage uses.
 *
 * Layout below a job's directory (Flink's, so a Flink user finds their way):
 *
 * ```
 * <jobDir>/
 *   chk-17/                    one directory per checkpoint id
 *     op-uid-0-keyed           one file per state handle (a safe name, see isSafeStateName)
 *     ._metadata.3f9a01c2.tmp  metadata being written: never read; renamed, or left by a crash
 *     _metadata                written last, by rename: its presence makes chk-17 complete
 * <targetDir>/
 *   savepoint-17-k3x9qa/       same content as a chk dir; never listed, never retained
 * ```
 *
 * Everything here is pure: randomness comes in as arguments.
 */

/** Name of the file that makes a checkpoint complete. */
export const METADATA_FILE_NAME = '_metadata';

const CHECKPOINT_DIR_PREFIX = 'chk-';
const SAVEPOINT_DIR_PREFIX = 'savepoint-';
const SAVEPOINT_SUFFIX_LENGTH = 6;
const SUFFIX_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';
const TEMP_FILE_EXTENSION = '.tmp';
const MAX_NAME_LENGTH = 200;

// Decimal without leading zeros, so that format and parse are inverse: `chk-017` is not checkpoint 17.
const CHECKPOINT_DIR = /^chk-([1-9][0-9]*)$/;
const SAVEPOINT_DIR = /^savepoint-([1-9][0-9]*)-([a-z0-9]{6})$/;
// Starts with a letter, digit or `_`: never `.` (temp files and `..`), never `-` (option-like).
const SAFE_NAME = /^[A-Za-z0-9_][A-Za-z0-9._-]*$/;

/** True when `id` is a valid checkpoint id: a safe integer ≥ 1. */
export function isCheckpointId(id: number): boolean {
  return Number.isSafeInteger(id) && id >= 1;
}

function assertCheckpointId(id: number): void {
  if (!isCheckpointId(id)) {
    throw new RangeError(`checkpoint id must be an integer ≥ 1, got ${String(id)}`);
  }
}

function parseId(digits: string): number | undefined {
  const id = Number(digits);
  return isCheckpointId(id) ? id : undefined;
}

/** `17` → `chk-17`. */
export function checkpointDirName(checkpointId: number): string {
  assertCheckpointId(checkpointId);
  return `${CHECKPOINT_DIR_PREFIX}${checkpointId}`;
}

/** `chk-17` → 17; anything else (`chk-017`, `chk-0`, `chk-17.tmp`, `savepoint-…`) → undefined. */
export function parseCheckpointDirName(name: string): number | undefined {
  const match = CHECKPOINT_DIR.exec(name);
  return match ? parseId(match[1]) : undefined;
}

/**
 * `savepoint-<id>-<suffix>`, the suffix being 6 characters of `[a-z0-9]` drawn from `entropy`
 * (at least 6 random bytes), so that two savepoints of the same id never share a directory.
 */
export function savepointDirName(checkpointId: number, entropy: Uint8Array): string {
  assertCheckpointId(checkpointId);
  if (entropy.byteLength < SAVEPOINT_SUFFIX_LENGTH) {
    throw new RangeError(`savepoint names need ${SAVEPOINT_SUFFIX_LENGTH} random bytes, got ${entropy.byteLength}`);
  }
  let suffix = '';
  for (let i = 0; i < SAVEPOINT_SUFFIX_LENGTH; i++) {
    suffix += SUFFIX_ALPHABET[entropy[i] % SUFFIX_ALPHABET.length];
  }
  return `${SAVEPOINT_DIR_PREFIX}${checkpointId}-${suffix}`;
}

/** `savepoint-17-k3x9qa` → 17; anything else → undefined. */
export function parseSavepointDirName(name: string): number | undefined {
  const match = SAVEPOINT_DIR.exec(name);
  return match ? parseId(match[1]) : undefined;
}

/**
 * Name of the temporary file that becomes `target` by rename: `.<target>.<unique>.tmp`. The leading
 * dot keeps it apart from every safe state name, so a leftover temp file is never mistaken for state.
 */
export function tempFileName(target: string, unique: string): string {
  return `.${target}.${unique}${TEMP_FILE_EXTENSION}`;
}

/** True for names made by {@link tempFileName}. */
export function isTempFileName(name: string): boolean {
  return name.startsWith('.') && name.endsWith(TEMP_FILE_EXTENSION);
}

/**
 * True when `name` can be used as one path segment on every storage: `[A-Za-z0-9_][A-Za-z0-9._-]*`,
 * at most 200 characters (room for temp suffixes below the usual 255-byte limit). Excludes `..`,
 * separators and hidden names.
 */
export function isSafeFileName(name: string): boolean {
  return name.length <= MAX_NAME_LENGTH && SAFE_NAME.test(name);
}

/** A safe file name that is not {@link METADATA_FILE_NAME}: what a state handle may be called. */
export function isSafeStateName(name: string): boolean {
  return isSafeFileName(name) && name !== METADATA_FILE_NAME;
}
