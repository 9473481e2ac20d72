import { Packr } from 'msgpackr';
import { describe, expect, it } from 'vitest';
import type { DeadLetter } from '@weir/core';
import { encodeDeadLetter } from './encode.ts';
import { matchesFilter } from './letter-filter.ts';
import { decodeStoredLetter, replayPayload } from './stored-letter.ts';

const packr = new Packr({ useRecords: false, moreTypes: false });
const source = (payload: Buffer): DeadLetter => ({ payload, error: 'SyntaxError: bad', operator: 'in', attempts: 1, time: 1000, source: 'jobs:processing:0', position: '4' });
const operator = (payload: unknown): DeadLetter => ({ payload, error: 'RangeError: negative', operator: 'check', attempts: 3, time: 2000 });
const roundTrip = (l: DeadLetter, format: 'json' | 'msgpack') => decodeStoredLetter(Buffer.from(encodeDeadLetter(l, format)))!;

describe('decodeStoredLetter and replayPayload', () => {
  it("give back a source letter's raw input byte for byte, in JSON (text or base64) and msgpack", () => {
    for (const raw of [Buffer.from('{"id":1'), Buffer.from([0xff, 0x00, 0x80]), Buffer.from('')]) {
      for (const format of ['json', 'msgpack'] as const) {
        const letter = roundTrip(source(raw), format);
        expect(letter).toMatchObject({ format, error: 'SyntaxError: bad', operator: 'in', attempts: 1, time: 1000, source: 'jobs:processing:0', position: '4' });
        expect(replayPayload(letter)).toEqual(raw);
      }
    }
  });

  it("encode an operator letter's record as the letter was: JSON text, or plain msgpack", () => {
    const record = { id: 7, tags: ['a'], n: null };
    expect(replayPayload(roundTrip(operator(record), 'json')).toString()).toBe('{"id":7,"tags":["a"],"n":null}');
    expect(replayPayload(roundTrip(operator(record), 'msgpack'))).toEqual(packr.pack(record));
    expect(replayPayload(roundTrip(operator('text'), 'json')).toString()).toBe('"text"');
    expect(replayPayload(roundTrip(operator(10n), 'json')).toString()).toBe('10');
  });

  it('reads anything else as no letter', () => {
    for (const raw of ['plain text', '{"payload":1}', '[1,2]', '\u0000\u00ffweir:x', '']) expect(decodeStoredLetter(Buffer.from(raw))).toBeUndefined();
  });
});

describe('matchesFilter', () => {
  const letter = roundTrip(operator(1), 'json');
  it('holds when every criterion does', () => {
    expect(matchesFilter(letter, undefined)).toBe(true);
    expect(matchesFilter(letter, { reason: 'NEGATIVE', operator: 'check', since: 2000, until: 2001 })).toBe(true);
    expect(matchesFilter(letter, { reasonPattern: /^Range/ })).toBe(true);
    expect(matchesFilter(letter, { reason: 'timeout' })).toBe(false);
    expect(matchesFilter(letter, { until: 2000 })).toBe(false);
    expect(matchesFilter(letter, { operator: 'other' })).toBe(false);
  });
});
