/**
 * Columnar encoding of a snapshot's keys and values, before msgpack. Keyed state is usually many
 * values of one shape (counters, `{ word, n }` records): packing a million small objects one by
 * one dominates a checkpoint, while a typed array per numeric field packs as raw bytes. Columns
 * are used only when they are exact: numbers, or plain objects that all have exactly the same
 * fields; anything else stays a plain array (msgpack as usual).
 *
 * The input is any sequence that can be walked more than once (an array, or a `Map`'s `keys()` /
 * `values()`), so the heap backend encodes straight from its maps with no copy in between. The
 * common case is one pass; a guess that fails falls back to a plain array and the checks below.
 */

/** A column as stored: `i32`/`f64` numbers, `obj` same-shape objects split into one column per field, `raw` anything. */
export type EncodedColumn =
  | { readonly c: 'i32'; readonly v: Int32Array }
  | { readonly c: 'f64'; readonly v: Float64Array }
  | { readonly c: 'obj'; readonly f: readonly string[]; readonly v: readonly EncodedColumn[] }
  | { readonly c: 'raw'; readonly v: readonly unknown[] };

/** Starts a fresh walk over the same `n` values each time it is called. */
export type ValuesSource = () => IterableIterator<unknown>;

/** Objects with more fields than this are left to msgpack: splitting them gains little. */
const MAX_FIELDS = 16;

/** Encodes an array (or array-like) of values. */
export function encodeColumn(values: ArrayLike<unknown>): EncodedColumn {
  return encodeValues(() => Array.prototype.values.call(values) as IterableIterator<unknown>, values.length);
}

/** Encodes the `n` values that `source` walks (a `Map`'s `values()`, say). */
export function encodeValues(source: ValuesSource, n: number): EncodedColumn {
  if (n === 0) return { c: 'raw', v: [] };
  const first: unknown = source().next().value;
  if (typeof first === 'number') {
    const numbers = numberColumn(source, n);
    if (numbers !== undefined) return numbers;
  } else if (isPlainObject(first)) {
    const fields = Object.keys(first);
    // '__proto__' as an own field (JSON.parse makes those) would be lost on decode, which assigns.
    if (fields.length > 0 && fields.length <= MAX_FIELDS && !fields.includes('__proto__')) {
      const split = splitFast(source, n, first, fields) ?? splitGeneric(materialize(source(), n), fields);
      if (split !== undefined) return split;
    }
  }
  return { c: 'raw', v: materialize(source(), n) };
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

function isPlainObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && Object.getPrototypeOf(x) === Object.prototype;
}

function materialize(it: IterableIterator<unknown>, n: number): unknown[] {
  const out = new Array<unknown>(n);
  for (let i = 0; i < n; i++) out[i] = it.next().value;
  return out;
}

/**
 * Numbers into a typed array, or undefined at the first non-number. Int32 is tried first (half
 * the bytes) and written directly, so that no second pass narrows a Float64Array: memory
 * bandwidth is what a snapshot of a million values spends most.
 */
function numberColumn(source: ValuesSource, n: number): EncodedColumn | undefined {
  const ints = new Int32Array(n);
  let i = 0;
  for (const x of source()) {
    if (!isInt32(x)) break;
    ints[i++] = x as number;
  }
  if (i === n) return { c: 'i32', v: ints };
  const out = new Float64Array(n);
  i = 0;
  for (const x of source()) {
    if (typeof x !== 'number') return undefined;
    out[i++] = x;
  }
  return { c: 'f64', v: out };
}

/** A number that an Int32Array keeps exactly (not -0, not NaN, no fraction, in range). */
function isInt32(x: unknown): boolean {
  return typeof x === 'number' && (x | 0) === x && (x !== 0 || 1 / x > 0);
}

/**
 * The common case in one pass: every value has the first one's shape. Each field's kind is
 * guessed from the first value (`i` Int32, `f` Float64, `r` anything) and written straight into
 * its column; when a value contradicts a guess, that field is widened (i → f → r) and the pass
 * runs again. A compiled extractor reads each field by its name, which V8 turns into a
 * monomorphic load; a generic `o[f]` loop was three times slower. Undefined when some value has
 * another shape, and the generic path decides.
 *
 * "Plain" is checked here as `o.constructor === Object` (a monomorphic load, where
 * `Object.getPrototypeOf` cost a third of the pass): an object whose prototype is itself a plain
 * object passes it, and is stored with its inherited enumerable fields as own fields.
 */
function splitFast(source: ValuesSource, n: number, first: Record<string, unknown>, fields: string[]): EncodedColumn | undefined {
  const kinds: Kind[] = fields.map((f) => kindOf(first[f]));
  for (;;) {
    const columns = kinds.map((k) => (k === 'i' ? new Int32Array(n) : k === 'f' ? new Float64Array(n) : new Array<unknown>(n)));
    const result = extractor(fields, kinds)(source(), columns);
    if (result === n) {
      return {
        c: 'obj',
        f: fields,
        v: columns.map((col): EncodedColumn =>
          col instanceof Int32Array ? { c: 'i32', v: col } : col instanceof Float64Array ? { c: 'f64', v: col } : { c: 'raw', v: col },
        ),
      };
    }
    // -1: another shape (or fewer values than n); -2 - j: field j needs a wider kind.
    if (result >= -1) return undefined;
    const j = -2 - result;
    kinds[j] = kinds[j] === 'i' ? 'f' : 'r';
  }
}

type Kind = 'i' | 'f' | 'r';

function kindOf(x: unknown): Kind {
  return isInt32(x) ? 'i' : typeof x === 'number' ? 'f' : 'r';
}

/** Copies fields into columns; returns how many values it copied, or a failure code (see splitFast). */
type Extractor = (values: IterableIterator<unknown>, columns: (Int32Array | Float64Array | unknown[])[]) => number;

const extractors = new Map<string, Extractor>();
/** Shapes seen by a process are few; the bound keeps a job with ever-changing shapes from leaking. */
const MAX_EXTRACTORS = 256;

function extractor(fields: readonly string[], kinds: readonly Kind[]): Extractor {
  const id = JSON.stringify([fields, kinds]);
  let fn = extractors.get(id);
  if (fn === undefined) {
    fn = compileExtractor(fields, kinds) ?? (() => -1);
    if (extractors.size >= MAX_EXTRACTORS) extractors.clear();
    extractors.set(id, fn);
  }
  return fn;
}

function compileExtractor(fields: readonly string[], kinds: readonly Kind[]): Extractor | undefined {
  const reads: string[] = [];
  fields.forEach((f, j) => {
    const name = JSON.stringify(f);
    const x = `x${j}`;
    const widen = `return ${-2 - j};`;
    reads.push(`const ${x} = o[${name}];`);
    if (kinds[j] === 'i') reads.push(`if (typeof ${x} !== 'number' || (${x} | 0) !== ${x} || (${x} === 0 && 1 / ${x} < 0)) ${widen}`);
    else if (kinds[j] === 'f') reads.push(`if (typeof ${x} !== 'number') ${widen}`);
    else reads.push(`if (${x} === undefined && !hasOwn(o, ${name})) return -1;`);
    reads.push(`c${j}[i] = ${x};`);
  });
  const body = `
    ${fields.map((_, j) => `const c${j} = columns[${j}];`).join('\n    ')}
    let i = 0;
    for (const o of values) {
      if (typeof o !== 'object' || o === null || o.constructor !== Object) return -1;
      let width = 0;
      for (const _ in o) width++;
      if (width !== ${fields.length}) return -1;
      ${reads.join('\n      ')}
      i++;
    }
    return i;`;
  // A compiled function rather than a closure over the field names: see splitFast. Where code
  // generation is disabled (--disallow-code-generation-from-strings), the generic path does it.
  try {
    const make = new Function('hasOwn', `return function extract(values, columns) {${body}}`);
    return make((o: object, k: string) => Object.prototype.hasOwnProperty.call(o, k)) as Extractor;
  } catch {
    return undefined;
  }
}

/** Any mix: checks every value, then one field at a time. */
function splitGeneric(values: readonly unknown[], fields: string[]): EncodedColumn | undefined {
  const width = fields.length;
  const n = values.length;
  for (let i = 0; i < n; i++) {
    const o = values[i];
    if (!isPlainObject(o)) return undefined;
    let count = 0;
    for (const _ in o) count++;
    if (count !== width) return undefined;
  }
  const columns: EncodedColumn[] = [];
  for (const f of fields) {
    const col = fieldColumn(values as readonly Record<string, unknown>[], f, n);
    if (col === undefined) return undefined;
    columns.push(col);
  }
  return { c: 'obj', f: fields, v: columns };
}

function fieldColumn(values: readonly Record<string, unknown>[], f: string, n: number): EncodedColumn | undefined {
  if (typeof values[0][f] === 'number') {
    const out = new Float64Array(n);
    let i = 0;
    for (; i < n; i++) {
      const x = values[i][f];
      if (typeof x !== 'number') break;
      out[i] = x;
    }
    if (i === n) return out.every(isInt32) ? { c: 'i32', v: new Int32Array(out) } : { c: 'f64', v: out };
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
