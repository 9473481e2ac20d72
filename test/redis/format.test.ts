import { pack } from 'msgpackr';
import { describe, expect, it } from 'vitest';
import { encodeDeadLetter, resolveDecoder } from '@weir/redis';
import type { DeadLetter } from '@weir/core';

describe('source formats', () => {
  it('decodes json, msgpack and string, and hands raw bytes to a decoder of your own', () => {
    expect(resolveDecoder('json')(Buffer.from('{"a":[1,2]}'))).toEqual({ a: [1, 2] });
    expect(resolveDecoder('msgpack')(pack({ a: 'é', b: 1.5 }))).toEqual({ a: 'é', b: 1.5 });
    expect(resolveDecoder('string')(Buffer.from('héllo'))).toBe('héllo');
    const custom = resolveDecoder((raw) => raw.readUInt16BE(0));
    expect(custom(Buffer.from([1, 2]))).toBe(258);
  });

  it('throws on input it cannot decode (the source dead-letters it)', () => {
    expect(() => resolveDecoder('json')(Buffer.from('{nope'))).toThrow(SyntaxError);
    expect(() => resolveDecoder('msgpack')(Buffer.from('plain text, not msgpack'))).toThrow();
    expect(() => resolveDecoder('xml' as 'json')).toThrow(/format must be/);
  });
});

describe('dead-letter encoding', () => {
  const letter = (payload: unknown): DeadLetter => ({ payload, error: 'Error: boom', operator: 'parse', attempts: 3, time: 1, source: 'q' });

  it('keeps UTF-8 bytes as text and other bytes as base64 in JSON', () => {
    expect(JSON.parse(encodeDeadLetter(letter(Buffer.from('{bad')), 'json') as string)).toEqual({
      payload: '{bad',
      error: 'Error: boom',
      operator: 'parse',
      attempts: 3,
      time: 1,
      source: 'q',
      position: null,
    });
    const binary = JSON.parse(encodeDeadLetter(letter(Buffer.from([0xff, 0xfe])), 'json') as string);
    expect(binary).toMatchObject({ payload: '//4=', payloadEncoding: 'base64' });
  });

  it('writes records as JSON values, and what JSON cannot hold as a string', () => {
    expect(JSON.parse(encodeDeadLetter(letter({ id: 7 }), 'json') as string).payload).toEqual({ id: 7 });
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(JSON.parse(encodeDeadLetter(letter(cyclic), 'json') as string)).toMatchObject({ payload: '[object Object]', payloadEncoding: 'string' });
  });

  it('keeps bytes as bytes in msgpack', () => {
    const bytes = encodeDeadLetter(letter(Buffer.from([0xff])), 'msgpack') as Buffer;
    const decoded = resolveDecoder<{ payload: Uint8Array; attempts: number }>('msgpack')(bytes);
    expect([...decoded.payload]).toEqual([0xff]);
    expect(decoded.attempts).toBe(3);
  });
});
