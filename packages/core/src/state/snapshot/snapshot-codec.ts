import { Packr } from 'msgpackr';
import type { KeyGroupRange } from '../key-group-range.ts';
import type { KeyGroupSnapshot, StateEntries } from '../state-backend.ts';
import type { Key } from '../key.ts';
import { decodeColumn, encodeValues, type EncodedColumn } from './columns.ts';

/**
 * The byte format of state snapshots: msgpackr with records (object shapes written once per
 * blob, not per object), which keeps keys of every allowed type (string, number, bigint, boolean)
 * and values with Maps, Dates and typed arrays as they were.
 */
const packr = new Packr({ useRecords: true, moreTypes: true });

/** The named lists of a subtask's operator state (source splits, sink transactions, ...). */
export type OperatorLists = Readonly<Record<string, readonly unknown[]>>;

/**
 * Keyed state of a subtask as one blob: the key groups of `range` encoded one after the other;
 * `offsets[i]` is where key group `range.start + i` starts, so that a restore at another
 * parallelism decodes only the key groups it owns.
 */
export interface EncodedKeyGroups {
  readonly bytes: Uint8Array;
  readonly offsets: number[];
}

/** One state of a key group as stored: its name and its keys and values as columns. */
interface StoredEntries {
  readonly n: string;
  readonly k: EncodedColumn;
  readonly v: EncodedColumn;
}

/**
 * One state's entries in a key group as the encoder reads them: `size` keys and values that can
 * be walked more than once. A backend passes its live map's `keys()` and `values()`, so nothing
 * is copied before encoding.
 */
export type KeyGroupStateSource = { readonly name: string; readonly size: number } & (
  | { keys(): IterableIterator<Key>; values(): IterableIterator<unknown> }
  /** The columns themselves, when the backend keeps state as columns already. */
  | { encoded(): { readonly k: EncodedColumn; readonly v: EncodedColumn } }
);

/** Encodes one key group: the states in `sources` that have entries in it. */
export function encodeKeyGroupStates(sources: readonly KeyGroupStateSource[]): Uint8Array {
  const stored: StoredEntries[] = [];
  for (const s of sources) {
    if (s.size === 0) continue;
    if ('encoded' in s) stored.push({ n: s.name, ...s.encoded() });
    else stored.push({ n: s.name, k: encodeValues(() => s.keys(), s.size), v: encodeValues(() => s.values(), s.size) });
  }
  return packr.pack(stored);
}

/** Encodes one key group given as entry arrays. */
export function encodeKeyGroup(snapshot: KeyGroupSnapshot): Uint8Array {
  return encodeKeyGroupStates(
    snapshot.map((e) => ({
      name: e.name,
      size: e.keys.length,
      keys: () => Array.prototype.values.call(e.keys) as IterableIterator<Key>,
      values: () => Array.prototype.values.call(e.values) as IterableIterator<unknown>,
    })),
  );
}

/** Concatenates encoded key groups, in range order, recording where each starts. */
export function concatKeyGroups(parts: readonly Uint8Array[]): EncodedKeyGroups {
  let size = 0;
  for (const p of parts) size += p.length;
  const bytes = new Uint8Array(size);
  const offsets = new Array<number>(parts.length);
  let at = 0;
  parts.forEach((p, i) => {
    offsets[i] = at;
    bytes.set(p, at);
    at += p.length;
  });
  return { bytes, offsets };
}

/** Decodes key group `keyGroup` of a blob that covers `range`. */
export function decodeKeyGroup(
  bytes: Uint8Array,
  offsets: readonly number[],
  range: KeyGroupRange,
  keyGroup: number,
): KeyGroupSnapshot {
  const i = keyGroup - range.start;
  const end = i + 1 < offsets.length ? offsets[i + 1] : bytes.length;
  const stored = packr.unpack(bytes.subarray(offsets[i], end)) as StoredEntries[];
  return stored.map((e) => restoredEntries(e.n, decodeColumn(e.k) as ArrayLike<Key>, e.v));
}

/** The columns each decoded state's values came from (see {@link encodedValuesOf}). */
const encodedValues = new WeakMap<StateEntries, EncodedColumn>();

/**
 * Entries whose values are the decoded column: objects are made only when `values` is first read,
 * so that a backend keeping state as columns can take the columns themselves
 * ({@link encodedValuesOf}) and never build the objects.
 */
function restoredEntries(name: string, keys: ArrayLike<Key>, v: EncodedColumn): StateEntries {
  let values: ArrayLike<unknown> | undefined;
  const entries: StateEntries = {
    name,
    keys,
    get values(): ArrayLike<unknown> {
      return (values ??= decodeColumn(v));
    },
  };
  encodedValues.set(entries, v);
  return entries;
}

/** The columns a decoded state's values came from, when `entries` came from {@link decodeKeyGroup}. */
export function encodedValuesOf(entries: StateEntries): EncodedColumn | undefined {
  return encodedValues.get(entries);
}

export function encodeOperatorLists(lists: OperatorLists): Uint8Array {
  return packr.pack(lists);
}

export function decodeOperatorLists(bytes: Uint8Array): OperatorLists {
  return packr.unpack(bytes) as OperatorLists;
}
