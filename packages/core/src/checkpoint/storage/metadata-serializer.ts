import { crc32 } from 'node:zlib';
import { Packr } from 'msgpackr';
import type {
  CheckpointMetadata,
  KeyGroupsStateHandle,
  OperatorState,
  OperatorStateHandle,
  OperatorSubtaskState,
  StreamStateHandle,
} from '../types.ts';
import { CorruptStateError } from './checkpoint-storage.ts';

/**
 * Bytes of a `_metadata` file, the record that makes a checkpoint complete:
 *
 * ```
 * +----------+---------+-------------+------------------------+
 * | WEIRMETA | version | CRC-32 (BE) | msgpack(metadata) ...  |
 * | 8 bytes  | 1 byte  | 4 bytes     | the rest               |
 * +----------+---------+-------------+------------------------+
 * ```
 *
 * The magic rejects files that are not metadata at all, the version byte rejects formats this code
 * cannot read, and the CRC-32 of the body rejects a damaged file that would still decode (a flipped
 * bit in a size or an id). Decoding then checks the shape field by field, so that recovery never
 * restores from a value of the wrong type.
 */

const MAGIC = new TextEncoder().encode('WEIRMETA');
const FORMAT_VERSION = 1;
const VERSION_OFFSET = MAGIC.length;
const CHECKSUM_OFFSET = VERSION_OFFSET + 1;
const HEADER_LENGTH = CHECKSUM_OFFSET + 4;

// No records/structures: metadata is rare and must stay readable on its own (structures would live
// outside the file). moreTypes makes Uint8Array (inline state) come back as Uint8Array.
const packr = new Packr({ useRecords: false, moreTypes: true });

/** Encodes metadata as the bytes of a `_metadata` file. */
export function encodeMetadata(metadata: CheckpointMetadata): Uint8Array {
  const body = packr.pack(metadata);
  const out = new Uint8Array(HEADER_LENGTH + body.byteLength);
  out.set(MAGIC, 0);
  out[VERSION_OFFSET] = FORMAT_VERSION;
  new DataView(out.buffer).setUint32(CHECKSUM_OFFSET, crc32(body));
  out.set(body, HEADER_LENGTH);
  return out;
}

/**
 * Decodes and validates the bytes of a `_metadata` file.
 *
 * @param pointer where the bytes came from, named by the error.
 * @throws CorruptStateError on bad magic, unknown version, checksum mismatch, undecodable body, or
 * any field of the wrong type.
 */
export function decodeMetadata(bytes: Uint8Array, pointer: string): CheckpointMetadata {
  const corrupt = (why: string, cause?: unknown): CorruptStateError =>
    new CorruptStateError(`checkpoint metadata ${pointer} is corrupt: ${why}`, pointer, { cause });

  if (bytes.byteLength < HEADER_LENGTH || MAGIC.some((b, i) => bytes[i] !== b)) {
    throw corrupt('not a Weir metadata file (bad magic header)');
  }
  if (bytes[VERSION_OFFSET] !== FORMAT_VERSION) {
    throw corrupt(`unsupported format version ${bytes[VERSION_OFFSET]}, expected ${FORMAT_VERSION}`);
  }
  const body = bytes.subarray(HEADER_LENGTH);
  const expected = new DataView(bytes.buffer, bytes.byteOffset).getUint32(CHECKSUM_OFFSET);
  const actual = crc32(body);
  if (expected !== actual) {
    throw corrupt(`checksum mismatch: expected ${hex(expected)}, actual ${hex(actual)}`);
  }
  let raw: unknown;
  try {
    raw = packr.unpack(body);
  } catch (err) {
    throw corrupt(`undecodable: ${err instanceof Error ? err.message : String(err)}`, err);
  }
  try {
    return readMetadata(raw);
  } catch (err) {
    if (err instanceof ShapeError) throw corrupt(err.message);
    throw err;
  }
}

function hex(n: number): string {
  return n.toString(16).padStart(8, '0');
}

// ---- shape validation: rebuilds the value from known fields only, or throws ShapeError ----

class ShapeError extends Error {}

type Fields = Readonly<Record<string, unknown>>;

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (value instanceof Uint8Array) return 'bytes';
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return `a ${typeof value}`;
}

function fail(at: string, expected: string, value: unknown): never {
  throw new ShapeError(`${at}: expected ${expected}, got ${describe(value)}`);
}

function object(value: unknown, at: string): Fields {
  if (typeof value !== 'object' || value === null || Array.isArray(value) || value instanceof Uint8Array) {
    fail(at, 'an object', value);
  }
  return value as Fields;
}

function array(value: unknown, at: string): readonly unknown[] {
  if (!Array.isArray(value)) fail(at, 'an array', value);
  return value;
}

function string(value: unknown, at: string): string {
  if (typeof value !== 'string') fail(at, 'a string', value);
  return value;
}

function finite(value: unknown, at: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) fail(at, 'a finite number', value);
  return value;
}

function integer(value: unknown, at: string, min: number): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
    fail(at, `an integer ≥ ${min}`, value);
  }
  return value;
}

function readMetadata(raw: unknown): CheckpointMetadata {
  const m = object(raw, 'metadata');
  if (m.version !== 1) fail('version', '1', m.version);
  const kind = m.kind;
  if (kind !== 'checkpoint' && kind !== 'savepoint') fail('kind', '"checkpoint" or "savepoint"', kind);
  return {
    version: 1,
    jobName: string(m.jobName, 'jobName'),
    checkpointId: integer(m.checkpointId, 'checkpointId', 1),
    triggeredAt: finite(m.triggeredAt, 'triggeredAt'),
    completedAt: finite(m.completedAt, 'completedAt'),
    kind,
    operators: array(m.operators, 'operators').map((op, i) => readOperator(op, `operators[${i}]`)),
  };
}

function readOperator(raw: unknown, at: string): OperatorState {
  const o = object(raw, at);
  return {
    uid: string(o.uid, `${at}.uid`),
    name: string(o.name, `${at}.name`),
    parallelism: integer(o.parallelism, `${at}.parallelism`, 1),
    maxParallelism: integer(o.maxParallelism, `${at}.maxParallelism`, 1),
    subtasks: array(o.subtasks, `${at}.subtasks`).map((s, i) =>
      s === null ? null : readSubtask(s, `${at}.subtasks[${i}]`),
    ),
  };
}

function readSubtask(raw: unknown, at: string): OperatorSubtaskState {
  const s = object(raw, at);
  const state: { keyed?: KeyGroupsStateHandle; operator?: OperatorStateHandle } = {};
  if (s.keyed !== undefined) state.keyed = readKeyed(s.keyed, `${at}.keyed`);
  if (s.operator !== undefined) state.operator = readOperatorHandle(s.operator, `${at}.operator`);
  return state;
}

function readKeyed(raw: unknown, at: string): KeyGroupsStateHandle {
  const k = object(raw, at);
  const r = object(k.range, `${at}.range`);
  const range = { start: integer(r.start, `${at}.range.start`, 0), end: integer(r.end, `${at}.range.end`, -1) };
  const handle = readHandle(k.handle, `${at}.handle`);
  const offsets = array(k.offsets, `${at}.offsets`).map((x, i) => integer(x, `${at}.offsets[${i}]`, 0));
  // One offset per key group of the range, each inside the blob (see KeyGroupsStateHandle).
  const groups = Math.max(0, range.end - range.start + 1);
  if (offsets.length !== groups) fail(`${at}.offsets`, `${groups} offsets`, offsets.length);
  offsets.forEach((x, i) => {
    if (x > handle.size) fail(`${at}.offsets[${i}]`, `an offset ≤ size ${handle.size}`, x);
  });
  return { range, offsets, handle };
}

function readOperatorHandle(raw: unknown, at: string): OperatorStateHandle {
  const o = object(raw, at);
  const source = object(o.lists, `${at}.lists`);
  // fromEntries defines own properties: a list named `__proto__` stays data, never a prototype.
  const lists = Object.fromEntries(
    Object.entries(source).map(([name, count]) => [name, integer(count, `${at}.lists[${JSON.stringify(name)}]`, 0)]),
  );
  return { lists, handle: readHandle(o.handle, `${at}.handle`) };
}

const CHECKSUM = /^[0-9a-f]{8}$/;

function readHandle(raw: unknown, at: string): StreamStateHandle {
  const h = object(raw, at);
  const checksum = string(h.checksum, `${at}.checksum`);
  if (!CHECKSUM.test(checksum)) fail(`${at}.checksum`, '8 lowercase hex digits', checksum);
  const handle = {
    path: string(h.path, `${at}.path`),
    size: integer(h.size, `${at}.size`, 0),
    checksum,
  };
  if (h.inline === undefined) return handle;
  if (!(h.inline instanceof Uint8Array)) fail(`${at}.inline`, 'bytes', h.inline);
  // A fresh plain Uint8Array: not a Buffer, not a view into the decoder's input.
  return { ...handle, inline: new Uint8Array(h.inline) };
}
