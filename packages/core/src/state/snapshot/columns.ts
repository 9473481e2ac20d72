/**
 * Columnar encoding of a snapshot's keys and values, before msgpack. Keyed state is usually many
 * values of one shape (counters, `{ word, n }` records): packing a million small objects one by
 * one dominates a checkpoint, while a typed array per numeric field packs as raw bytes. Columns
 * are used only when they are exact: numbers, or plain objects that all have exactly the same
 * fields; anything else stays a plain array (msgpack as usual).
 */

/** A column as stored: `i32`/`f64` numbers, `obj` same-shape objects split into one column per field, `raw` anything. */
export type EncodedColumn =
  | { readonly c: 'i32'; readonly v: Int32Array }
  | { readonly c: 'f64'; readonly v: Float64Array }
  | { readonly c: 'obj'; readonly f: readonly string[]; readonly v: readonly EncodedColumn[] }
  | { readonly c: 'raw'; readonly v: readonly unknown[] };

/** Objects with more fields than this are left to msgpack: splitting them gains little. */
const MAX_FIELDS = 16;

export function encodeColumn(values: ArrayLike<unknown>): EncodedColumn {
  const n = values.length;
  if (n === 0) return { c: 'raw', v: [] };
  const first = values[0];
  if (typeof first === 'number') {
    const numbers = numberColumn(values, n);
    if (numbers !== undefined) return numbers;
  } else if (typeof first === 'object' && first !== null && Object.getPrototypeOf(first) === Object.prototype) {
    const split = splitObjects(values, Object.keys(first));
    if (split !== undefined) return split;
  }
  return { c: 'raw', v: Array.prototype.slice.call(values) as unknown[] };
}

export function decodeColumn(column: EncodedColumn): ArrayLike<unknown> {
  switch (column.c) {
    case 'i32':
    case 'f64':
    case 'raw':
      return column.v;
    case 'obj': {
      const fields = column.f;
      const cols = column.v.map(decodeColumn);
      const n = cols.length === 0 ? 0 : cols[0].length;
      const out = new Array<Record<string, unknown>>(n);
      for (let i = 0; i < n; i++) {
        const o: Record<string, unknown> = {};
        for (let j = 0; j < fields.length; j++) o[fields[j]] = cols[j][i];
        out[i] = o;
      }
      return out;
    }
  }
}

/** Numbers into a typed array, as Int32 when every one is a 32-bit integer (half the bytes). */
function numberColumn(values: ArrayLike<unknown>, n: number): EncodedColumn | undefined {
  const out = new Float64Array(n);
  let int32 = true;
  for (let i = 0; i < n; i++) {
    const x = values[i];
    if (typeof x !== 'number') return undefined;
    out[i] = x;
    if (int32 && ((x | 0) !== x || Object.is(x, -0))) int32 = false;
  }
  return int32 ? { c: 'i32', v: Int32Array.from(out) } : { c: 'f64', v: out };
}

/** One column per field, or undefined when some value is not a plain object with exactly `fields`. */
function splitObjects(values: ArrayLike<unknown>, fields: string[]): EncodedColumn | undefined {
  const width = fields.length;
  if (width === 0 || width > MAX_FIELDS) return undefined;
  const n = values.length;
  for (let i = 0; i < n; i++) {
    const o = values[i];
    if (typeof o !== 'object' || o === null || Array.isArray(o)) return undefined;
    let count = 0;
    for (const _ in o) count++;
    if (count !== width) return undefined;
  }
  // Field-major: one property name per loop keeps each load monomorphic, and numbers go straight
  // into typed arrays (a generic array would box every double).
  const columns: EncodedColumn[] = [];
  for (const f of fields) {
    const col = fieldColumn(values as ArrayLike<Record<string, unknown>>, f, n);
    if (col === undefined) return undefined;
    columns.push(col);
  }
  return { c: 'obj', f: fields, v: columns };
}

function fieldColumn(values: ArrayLike<Record<string, unknown>>, f: string, n: number): EncodedColumn | undefined {
  if (typeof values[0][f] === 'number') {
    const out = new Float64Array(n);
    let int32 = true;
    let i = 0;
    for (; i < n; i++) {
      const x = values[i][f];
      if (typeof x !== 'number') break;
      out[i] = x;
      if (int32 && ((x | 0) !== x || Object.is(x, -0))) int32 = false;
    }
    if (i === n) return int32 ? { c: 'i32', v: Int32Array.from(out) } : { c: 'f64', v: out };
  }
  const out = new Array<unknown>(n);
  for (let i = 0; i < n; i++) {
    const o = values[i];
    const x = o[f];
    if (x === undefined && !Object.prototype.hasOwnProperty.call(o, f)) return undefined;
    out[i] = x;
  }
  return { c: 'raw', v: out };
}
