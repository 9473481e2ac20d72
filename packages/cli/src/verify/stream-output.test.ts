import { describe, expect, it } from 'vitest';
import { UsageError } from '../errors.ts';
import { parseOutputStream } from './stream-output.ts';

describe('parseOutputStream', () => {
  it('takes the last path segment as the stream and a number before it as the database', () => {
    expect(parseOutputStream('redis://127.0.0.1:6379/page-counts')).toEqual({ url: 'redis://127.0.0.1:6379/0', stream: 'page-counts' });
    expect(parseOutputStream('rediss://u:p@cache:6380/2/out%2Fa:b')).toEqual({ url: 'rediss://u:p@cache:6380/2', stream: 'out/a:b' });
  });

  it('refuses a URL that names no stream, or another scheme', () => {
    expect(() => parseOutputStream('redis://127.0.0.1:6379')).toThrow(UsageError);
    expect(() => parseOutputStream('http://127.0.0.1/s')).toThrow(/redis:\/\/host:port\[\/db\]\/stream/);
  });
});
