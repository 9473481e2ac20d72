import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { pino } from 'pino';
import type { SinkWriterContext } from '@weir/core';
import { decodeRecord } from '@weir/redis';

/** A writer context as the runtime would build it, with a fresh operator uid per call. */
export function sinkContext(overrides: Partial<SinkWriterContext> = {}): SinkWriterContext {
  return {
    jobName: 'test',
    operatorUid: `sink-${randomBytes(4).toString('hex')}`,
    subtaskIndex: 0,
    parallelism: 1,
    logger: pino({ level: 'silent' }),
    restoredState: undefined,
    checkpointing: true,
    epoch: 1,
    checkLease: async () => {},
    ...overrides,
  };
}

/** A fresh key name for a test's output. */
export function freshKey(what: string): string {
  return `t:${what}:${randomBytes(4).toString('hex')}`;
}

/** The records of a stream written with the default serialization, in stream order. */
export async function readStream<T>(client: Redis, stream: string): Promise<T[]> {
  const out: T[] = [];
  let start = '-';
  for (;;) {
    const entries = await client.xrangeBuffer(stream, start, '+', 'COUNT', 10_000);
    if (entries.length === 0) return out;
    for (const [, fields] of entries) out.push(decodeRecord<T>(fields[1]));
    start = `(${entries[entries.length - 1][0].toString()}`;
  }
}

/** Every key matching a pattern. */
export async function scanKeys(client: Redis, pattern: string): Promise<string[]> {
  const found: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    cursor = next;
    found.push(...keys);
  } while (cursor !== '0');
  return found.sort();
}
