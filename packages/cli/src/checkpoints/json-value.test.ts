import { describe, expect, it } from 'vitest';
import { stringifyState } from './json-value.ts';

describe('stringifyState', () => {
  it('writes the types msgpack restores as JSON a reader can use', () => {
    expect(stringifyState({ n: 12n, m: new Map([['a', 1]]), s: new Set([1, 2]), b: new Uint8Array([1, 2, 3]) })).toBe(
      '{"n":"12","m":{"a":1},"s":[1,2],"b":"AQID"}',
    );
    expect(stringifyState(new Map<unknown, number>([[true, 1]]))).toBe('[[true,1]]');
    expect(stringifyState(new Date(0))).toBe('"1970-01-01T00:00:00.000Z"');
  });
});
