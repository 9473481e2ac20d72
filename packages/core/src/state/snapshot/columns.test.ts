import { describe, expect, it } from 'vitest';
import { decodeColumn, encodeColumn, encodeValues, type EncodedColumn } from './columns.ts';
import { decodeKeyGroup, encodeKeyGroup } from './snapshot-codec.ts';
import { KeyGroupRange } from '../key-group-range.ts';

const roundTrip = (values: unknown[]): unknown[] => Array.from(decodeColumn(encodeColumn(values)));

class Point {
  constructor(
    readonly x: number,
    readonly y: number,
  ) {}
}

describe('columnar snapshot encoding', () => {
  it('stores 32-bit integers as one Int32Array', () => {
    const values = [1, -2, 2 ** 31 - 1, -(2 ** 31), 0];
    expect(encodeColumn(values).c).toBe('i32');
    expect(roundTrip(values)).toEqual(values);
  });

  it('stores other numbers as one Float64Array, keeping NaN, -0 and large values', () => {
    const values = [1, 2.5, NaN, -0, 1e300, -7, 2 ** 40];
    const col = encodeColumn(values);
    expect(col.c).toBe('f64');
    const back = roundTrip(values);
    expect(back).toEqual(values);
    expect(Object.is(back[3], -0)).toBe(true);
  });

  it('splits same-shape objects into a column per field, strings and numbers alike', () => {
    const values = [
      { word: 'a', n: 1 },
      { word: 'b', n: 2 },
    ];
    const col = encodeColumn(values);
    expect(col.c).toBe('obj');
    expect(roundTrip(values)).toEqual(values);
  });

  it.each([
    ['an object with an extra field', [{ a: 1 }, { a: 2, b: 3 }]],
    ['an object missing a field', [{ a: 1, b: 2 }, { a: 2, c: 3 }]],
    ['a field set to undefined', [{ a: 1, b: undefined }, { a: 2, b: 3 }]],
    ['nested objects', [{ a: { x: 1 } }, { a: { x: 2 } }]],
    ['mixed types', [1, 'two', { three: 3 }, null]],
    ['a field numeric at first, then not', [{ a: 1, b: 2.5 }, { a: 2, b: 3 }, { a: 'x', b: 4 }]],
    ['a field that is a string at first, then a number', [{ a: 'x', b: 1 }, { a: 7, b: 2 }]],
    ['Maps and arrays', [new Map([[1, 2]]), [1, 2, 3]]],
    ['bigints and booleans', [1n, true, false]],
  ])('keeps %s exactly', (_name, values) => {
    const back = roundTrip(values as unknown[]);
    expect(back).toEqual(values);
  });

  it('widens a field only as far as its values need: Int32, then Float64, then anything', () => {
    const values = [
      { i: 1, f: 1, r: 1, z: 0 },
      { i: 2, f: 2.5, r: 2.5, z: 0 },
      { i: -3, f: 3, r: 'three', z: -0 },
      { i: 4, f: NaN, r: null, z: 0 },
    ];
    const col = encodeColumn(values) as Extract<EncodedColumn, { c: 'obj' }>;
    expect(col.c).toBe('obj');
    expect(Object.fromEntries(col.f.map((f, j) => [f, col.v[j].c]))).toEqual({ i: 'i32', f: 'f64', r: 'raw', z: 'f64' });
    const back = roundTrip(values) as typeof values;
    expect(back).toEqual(values);
    expect(Object.is(back[2].z, -0)).toBe(true);
  });

  it('stores numbers that do not all fit Int32 as Float64, whatever comes first', () => {
    expect(encodeColumn([1, 2, 3.5]).c).toBe('f64');
    expect(encodeColumn([1, 2 ** 31]).c).toBe('f64');
    expect(encodeColumn([0, -0]).c).toBe('f64');
    expect(encodeColumn([1, 'x']).c).toBe('raw');
  });

  it("encodes a Map's keys and values exactly as it encodes the same arrays", () => {
    const map = new Map<unknown, unknown>([
      ['a', { at: 1, who: 'x' }],
      ['b', { at: 2.5, who: 'y' }],
      ['c', { at: 3, who: 'z' }],
    ]);
    expect(encodeValues(() => map.keys(), map.size)).toEqual(encodeColumn([...map.keys()]));
    expect(encodeValues(() => map.values(), map.size)).toEqual(encodeColumn([...map.values()]));
    map.set('d', { at: 4, who: 'w', extra: true });
    expect(encodeValues(() => map.values(), map.size)).toEqual({ c: 'raw', v: [...map.values()] });
  });

  it('does not split objects with an own __proto__ field (JSON.parse makes them; decoding assigns fields)', () => {
    // msgpack keeps such a field under the name '__proto_', its own guard; a split column would lose it.
    expect(encodeColumn([JSON.parse('{"__proto__": 1, "a": 2}')]).c).toBe('raw');
  });

  it('leaves class instances to msgpack rather than splitting them', () => {
    expect(encodeColumn([new Point(1, 2)]).c).toBe('raw');
  });

  it('round-trips a key group through the snapshot codec', () => {
    const snapshot = [
      { name: 'count', keys: ['a', 'b', 'c'], values: [1, 2, 3] },
      { name: 'last', keys: [1, 2], values: [{ at: 5, who: 'x' }, { at: 6, who: 'y' }] },
      { name: 'big', keys: [10n], values: [[1, 2]] },
    ];
    const bytes = encodeKeyGroup(snapshot);
    const back = decodeKeyGroup(bytes, [0], new KeyGroupRange(7, 7), 7);
    expect(back.map((e) => ({ name: e.name, keys: Array.from(e.keys), values: Array.from(e.values) }))).toEqual(snapshot);
  });
});
