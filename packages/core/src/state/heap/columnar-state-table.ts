import type { Key } from '../key.ts';
import type { KeyGroupRange } from '../key-group-range.ts';
import type { StateEntries } from '../state-backend.ts';
import { encodeColumn, type EncodedColumn } from '../snapshot/columns.ts';
import { encodedValuesOf, type KeyGroupStateSource } from '../snapshot/snapshot-codec.ts';
import { KeySlotIndex } from './key-slot-index.ts';
import { StateTable } from './state-table.ts';

/**
 * The values of a value or reducing state: plain `Map`s of objects while the state is small, and
 * columns once it is large: per key group, an index from key to slot ({@link KeySlotIndex}), and
 * per field of the values a typed array (Int32 or Float64) or, for strings and other immutable
 * scalars, a plain array.
 *
 * Why both: a checkpoint of a million keys held as a million heap objects reads every object (a
 * cache miss apiece) and proves its shape, every checkpoint; held as columns, the same state is a
 * handful of array copies, and the garbage collector has a million fewer old objects to mark. But
 * each read and write of a column value costs a copy and a shape check, which a small,
 * cache-resident state does not repay. So the backend turns a state into columns once it holds
 * `columnsFrom` keys ({@link toColumnsIfLarge}), if its values fit: numbers, or plain objects of
 * up to 16 number, string, boolean or null fields. A value that does not fit later turns the
 * state back into objects, for good.
 *
 * In columns, values are copied in and out, as with Flink's RocksDB backend: `value()` returns a
 * new object each time, and changing it has no effect until `update`.
 */
export class ColumnarStateTable<V> {
  #schema: Schema | null = null;
  #groups: Group[] = [];
  /** The state as objects: non-null until it turns into columns, and again if a value stops fitting. */
  #objects: StateTable<V> | null;
  /** Set when a value did not fit columns: the state stays objects. */
  #objectsForGood = false;
  /**
   * The slot of the key `get` looked up last (-1: absent), so that the `update` a read is nearly
   * always followed by (a reduce, a counter) skips the second lookup in the group's index: with a
   * large state that lookup is a cache miss, and half the cost of the record. Valid while
   * `#cachedGroup` is that key's group object; any delete clears it (a swap-remove moves a slot).
   */
  #cachedGroup: Group | null = null;
  #cachedKey: Key | undefined = undefined;
  #cachedSlot = -1;

  constructor(
    readonly name: string,
    readonly range: KeyGroupRange,
  ) {
    this.#objects = new StateTable<V>(name, range);
  }

  /** Whether the state is held as columns. */
  get columnar(): boolean {
    return this.#objects === null;
  }

  /**
   * Turns the state into columns if it holds at least `minKeys` keys and every value fits. Content
   * is unchanged, so it may run while a snapshot is pending (it encodes the same values).
   */
  toColumnsIfLarge(minKeys: number): void {
    const objects = this.#objects;
    if (objects === null || this.#objectsForGood || objects.size() < minKeys) return;
    this.#groups = Array.from({ length: this.range.size }, () => new Group());
    this.#schema = null;
    this.#objects = null;
    for (let index = 0; index < objects.maps.length; index++) {
      for (const [key, value] of objects.maps[index]) {
        this.set(index, key, value);
        if (this.#objects !== null) {
          // A value did not fit: keep the objects as they were.
          this.#objects = objects;
          this.#groups = [];
          return;
        }
      }
    }
  }

  /**
   * Holds the state as columns from now on, while it is still empty: called before a restore of at
   * least `columnsFrom` keys, so that they go straight into columns. A value that does not fit
   * turns the state into objects, as at any other time.
   */
  restoreAsColumns(): void {
    if (this.#objects === null || this.#objectsForGood || this.#objects.size() > 0) return;
    this.#groups = Array.from({ length: this.range.size }, () => new Group());
    this.#schema = null;
    this.#objects = null;
  }

  get(index: number, key: Key): V | undefined {
    if (this.#objects !== null) return this.#objects.maps[index].get(key);
    const g = this.#groups[index];
    const slot = g.index.get(key);
    this.#cachedGroup = g;
    this.#cachedKey = key;
    this.#cachedSlot = slot;
    return slot < 0 ? undefined : (this.#schema!.read(g.cols, slot) as V);
  }

  set(index: number, key: Key, value: V): void {
    if (this.#objects !== null) {
      this.#objects.maps[index].set(key, value);
      return;
    }
    let schema = this.#schema ?? this.#adopt(value);
    if (schema === null) {
      this.#toObjects().maps[index].set(key, value);
      return;
    }
    const g = this.#groups[index];
    // `===` finds a cached NaN key absent: the index lookup then answers, as for any other miss.
    const cached = g === this.#cachedGroup && key === this.#cachedKey;
    const existing = cached ? this.#cachedSlot : g.index.get(key);
    const slot = existing < 0 ? g.n : existing;
    if (existing < 0) g.reserve(slot + 1, schema.kinds);
    for (;;) {
      const code = schema.write(g.cols, slot, value);
      if (code === WRITTEN) break;
      if (code === DOES_NOT_FIT) {
        this.#toObjects().maps[index].set(key, value);
        return;
      }
      schema = this.#widen(code - 1);
    }
    if (existing < 0) {
      g.index.set(key, slot);
      g.keys.push(key);
      g.n++;
      g.keysChanged();
      if (cached) this.#cachedSlot = slot;
    }
  }

  delete(index: number, key: Key): void {
    if (this.#objects !== null) {
      this.#objects.maps[index].delete(key);
      return;
    }
    const g = this.#groups[index];
    this.#cachedGroup = null;
    const slot = g.index.get(key);
    if (slot < 0) return;
    g.index.delete(key);
    g.keysChanged();
    // Swap-remove: the last slot moves into the hole, so slots stay dense.
    const last = --g.n;
    const lastKey = g.keys.pop()!;
    if (slot !== last) {
      g.keys[slot] = lastKey;
      g.index.set(lastKey, slot);
      for (const col of g.cols) col[slot] = col[last];
    }
    for (const col of g.cols) if (Array.isArray(col)) col.length = last;
  }

  size(): number {
    if (this.#objects !== null) return this.#objects.size();
    let n = 0;
    for (const g of this.#groups) n += g.n;
    return n;
  }

  /** One key group as the encoder reads it: columns as they are (the encoder copies them at once). */
  keyGroupSource(keyGroup: number): KeyGroupStateSource {
    if (this.#objects !== null) return this.#objects.keyGroupSource(keyGroup);
    const g = this.#groups[keyGroup - this.range.start];
    const schema = this.#schema;
    const n = g.n;
    const encoded = (): { k: EncodedColumn; v: EncodedColumn } => {
      const columns = g.cols.map((col, j) => column(col, schema!.kinds[j], n));
      return {
        k: g.encodedKeys(),
        v: schema!.fields === null ? columns[0] : { c: 'obj', f: schema!.fields, v: columns },
      };
    };
    return { name: this.name, size: n, encoded };
  }

  restoreKeyGroup(keyGroup: number, entries: StateEntries): void {
    const index = keyGroup - this.range.start;
    if (this.#objects === null) {
      const encoded = encodedValuesOf(entries);
      if (encoded !== undefined && this.#restoreColumns(index, entries.keys, encoded)) return;
      this.#groups[index].index.reserve(this.#groups[index].n + entries.keys.length);
    }
    const { keys, values } = entries;
    for (let i = 0; i < keys.length; i++) this.set(index, keys[i], values[i] as V);
  }

  /**
   * Restores an empty key group straight from the columns its values were stored as: typed arrays
   * copied whole, no value object made. False when they do not fit the state's columns (another
   * shape, values that are not scalars): the caller then goes value by value.
   */
  #restoreColumns(index: number, keys: ArrayLike<Key>, stored: EncodedColumn): boolean {
    const g = this.#groups[index];
    const n = keys.length;
    if (g.n !== 0 || n === 0) return false;
    const fields = stored.c === 'obj' ? stored.f : null;
    const parts = stored.c === 'obj' ? stored.v : [stored];
    if (fields !== null && (fields.length === 0 || fields.length > MAX_FIELDS || fields.includes('__proto__'))) return false;
    const kinds: Kind[] = [];
    for (const part of parts) {
      if (part.c === 'i32') kinds.push('i');
      else if (part.c === 'f64') kinds.push('f');
      else if (part.c === 'raw' && part.v.every((x) => scalarKind(x) === 's')) kinds.push('s');
      else return false;
    }
    let schema = this.#schema;
    if (schema === null) {
      schema = schemaFor(fields, kinds);
      if (schema === null) return false;
      this.#schema = schema;
    } else {
      if (!sameFields(schema.fields, fields)) return false;
      for (let j = 0; j < kinds.length; j++) {
        const has = schema.kinds[j];
        if ((has === 's') !== (kinds[j] === 's')) return false;
        if (has === 'i' && kinds[j] === 'f') schema = this.#widen(j);
      }
    }
    const size = Math.max(8, n);
    g.cols = schema.kinds.map((kind, j) => {
      const part = parts[j] as { readonly v: ArrayLike<unknown> };
      if (kind === 's') return Array.from(part.v);
      const col = kind === 'i' ? new Int32Array(size) : new Float64Array(size);
      col.set(part.v as Int32Array | Float64Array);
      return col;
    });
    g.index.reserve(n);
    for (let i = 0; i < n; i++) {
      g.index.set(keys[i], i);
      g.keys.push(keys[i]);
    }
    g.n = n;
    g.keysChanged();
    this.#cachedGroup = null;
    return true;
  }

  /** Picks the columns for a first value, or null when it cannot be kept in columns. */
  #adopt(value: V): Schema | null {
    const kind = scalarKind(value);
    if (kind !== null) return (this.#schema = schemaFor(null, [kind]));
    if (typeof value !== 'object' || value === null || Object.getPrototypeOf(value) !== Object.prototype) return null;
    const fields = Object.keys(value);
    if (fields.length === 0 || fields.length > MAX_FIELDS || fields.includes('__proto__')) return null;
    const kinds: Kind[] = [];
    for (const f of fields) {
      const k = scalarKind((value as Record<string, unknown>)[f]);
      if (k === null) return null;
      kinds.push(k);
    }
    return (this.#schema = schemaFor(fields, kinds));
  }

  /** Int32 column `j` becomes Float64 in every key group (a value needed it). */
  #widen(j: number): Schema {
    const schema = this.#schema!;
    const kinds = [...schema.kinds];
    kinds[j] = 'f';
    for (const g of this.#groups) {
      if (g.cols.length === 0) continue;
      const wide = new Float64Array(Math.max(g.cols[j].length, 1));
      wide.set(g.cols[j] as Int32Array);
      g.cols[j] = wide;
    }
    // Compiles, since the narrower schema did.
    return (this.#schema = schemaFor(schema.fields, kinds)!);
  }

  #toObjects(): StateTable<V> {
    this.#objectsForGood = true;
    const objects = new StateTable<V>(this.name, this.range);
    this.#groups.forEach((g, index) => {
      for (let slot = 0; slot < g.n; slot++) objects.maps[index].set(g.keys[slot], this.#schema!.read(g.cols, slot) as V);
    });
    this.#groups = [];
    this.#objects = objects;
    return objects;
  }
}

/** Column kinds: Int32, Float64, or immutable scalars (strings, booleans, null) in a plain array. */
type Kind = 'i' | 'f' | 's';
type Column = Int32Array | Float64Array | unknown[];

const MAX_FIELDS = 16;
const WRITTEN = 0;
const DOES_NOT_FIT = -1;

function sameFields(a: readonly string[] | null, b: readonly string[] | null): boolean {
  if (a === null || b === null) return a === b;
  return a.length === b.length && a.every((f, i) => f === b[i]);
}

function scalarKind(x: unknown): Kind | null {
  if (typeof x === 'number') return (x | 0) === x && (x !== 0 || 1 / x > 0) ? 'i' : 'f';
  if (typeof x === 'string' || typeof x === 'boolean' || x === null) return 's';
  return null;
}

class Group {
  readonly index = new KeySlotIndex();
  readonly keys: Key[] = [];
  n = 0;
  cols: Column[] = [];
  /** The keys as last encoded, while no key was added or removed since (the usual steady state). */
  #encodedKeys: EncodedColumn | null = null;

  encodedKeys(): EncodedColumn {
    return (this.#encodedKeys ??= encodeColumn(this.keys));
  }

  /** Called whenever a key is added or removed. */
  keysChanged(): void {
    this.#encodedKeys = null;
  }

  /** Makes room for `size` slots, doubling typed arrays as they fill. */
  reserve(size: number, kinds: readonly Kind[]): void {
    if (this.cols.length === 0) this.cols = kinds.map((k) => (k === 'i' ? new Int32Array(8) : k === 'f' ? new Float64Array(8) : []));
    for (let j = 0; j < this.cols.length; j++) {
      const col = this.cols[j];
      if (Array.isArray(col) || col.length >= size) continue;
      const grown = col instanceof Int32Array ? new Int32Array(col.length * 2) : new Float64Array(col.length * 2);
      grown.set(col);
      this.cols[j] = grown;
    }
  }
}

function column(col: Column, kind: Kind, n: number): EncodedColumn {
  if (kind === 'i') return { c: 'i32', v: (col as Int32Array).subarray(0, n) };
  if (kind === 'f') return { c: 'f64', v: (col as Float64Array).subarray(0, n) };
  return { c: 'raw', v: (col as unknown[]).slice(0, n) };
}

interface Schema {
  /** null: the values are numbers (one column); else the fields of plain-object values, a column each. */
  readonly fields: readonly string[] | null;
  readonly kinds: readonly Kind[];
  /** A new value from the columns at `slot`. */
  readonly read: (cols: Column[], slot: number) => unknown;
  /** Writes a value at `slot`: WRITTEN, DOES_NOT_FIT, or 1 + j when Int32 column j must widen. Writes nothing unless WRITTEN. */
  readonly write: (cols: Column[], slot: number, value: unknown) => number;
}

const schemas = new Map<string, Schema | null>();
/** Shapes seen by a process are few; the bound keeps a job with ever-changing shapes from leaking. */
const MAX_SCHEMAS = 256;

/**
 * Compiled per shape, as the column encoder's extractors are: field reads and writes by name are
 * monomorphic, and a value is checked whole before any column is written.
 */
function schemaFor(fields: readonly string[] | null, kinds: readonly Kind[]): Schema | null {
  const id = JSON.stringify([fields, kinds]);
  let schema = schemas.get(id);
  if (schema !== undefined) return schema;
  schema = compileSchema(fields, kinds);
  if (schemas.size >= MAX_SCHEMAS) schemas.clear();
  schemas.set(id, schema);
  return schema;
}

/** Null where code generation is disabled (--disallow-code-generation-from-strings): the state stays objects. */
function compileSchema(fields: readonly string[] | null, kinds: readonly Kind[]): Schema | null {
  const checks: string[] = [];
  const stores: string[] = [];
  const source = (j: number) => (fields === null ? 'value' : `value[${JSON.stringify(fields[j])}]`);
  kinds.forEach((kind, j) => {
    const x = `x${j}`;
    checks.push(`const ${x} = ${source(j)};`);
    if (kind === 's') checks.push(`if (typeof ${x} !== 'string' && typeof ${x} !== 'boolean' && ${x} !== null) return ${DOES_NOT_FIT};`);
    else checks.push(`if (typeof ${x} !== 'number') return ${DOES_NOT_FIT};`);
    if (kind === 'i') checks.push(`if ((${x} | 0) !== ${x} || (${x} === 0 && 1 / ${x} < 0)) return ${1 + j};`);
    stores.push(`cols[${j}][slot] = ${x};`);
  });
  const shape =
    fields === null
      ? ''
      : `if (typeof value !== 'object' || value === null || Object.getPrototypeOf(value) !== Object.prototype) return ${DOES_NOT_FIT};
         let width = 0;
         for (const _ in value) width++;
         if (width !== ${fields.length}) return ${DOES_NOT_FIT};`;
  try {
    const write = new Function('cols', 'slot', 'value', `${shape}\n${checks.join('\n')}\n${stores.join('\n')}\nreturn ${WRITTEN};`);
    const read =
      fields === null
        ? new Function('cols', 'slot', 'return cols[0][slot];')
        : new Function('cols', 'slot', `return { ${fields.map((f, j) => `${JSON.stringify(f)}: cols[${j}][slot]`).join(', ')} };`);
    return { fields, kinds, read: read as Schema['read'], write: write as Schema['write'] };
  } catch {
    return null;
  }
}
