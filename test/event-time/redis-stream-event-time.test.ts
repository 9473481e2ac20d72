/**
 * Event time from a Redis stream: the entry id's milliseconds or a field, with one watermark
 * generator per stream, so that a stream that lags does not have its entries made late.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { collectSink, tumblingEventTime, watermarks, type Collector, type WindowContext } from '@weir/core';
import { redisStreamSource } from '@weir/redis';
import { useRedis } from '../support/use-redis.ts';
import { count, environment } from './event-time-support.ts';

const redis = useRedis();

interface View {
  readonly page: string;
}

/** A per-page tumbling count over `streams` until `expected` windows came out (the source never ends). */
async function countWindows(streams: string[], eventTime: 'entry-id' | { field: string }, expected: number): Promise<string[]> {
  const env = environment(1);
  env.setAutoWatermarkInterval(10);
  const out = collectSink<string>();
  env
    .fromSource(
      redisStreamSource<View>({ redis: redis.url, streams, format: 'json', startAt: 'earliest', group: false, eventTime, blockMs: 50 }),
      watermarks.boundedOutOfOrderness<View>((_v, entryTime) => entryTime, 0),
    )
    .keyBy((v) => v.page)
    .window(tumblingEventTime({ size: 1000 }))
    .aggregate(count, { process: (page: string, ctx: WindowContext, [n]: readonly number[], o: Collector<string>) => o.collect(`${page} ${ctx.window.start} ${n}`) })
    .sinkTo(out);
  const client = env.executeAsync('redis-event-time');
  const deadline = Date.now() + 20_000;
  while (out.values.length < expected && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  client.cancel();
  await client.result;
  return [...out.values].sort();
}

describe('a Redis stream source with event time', () => {
  it('takes each entry’s time from its id, and keeps a watermark per stream', async () => {
    const prefix = `et-${randomBytes(3).toString('hex')}`;
    const fast = `${prefix}:fast`;
    const slow = `${prefix}:slow`;
    const r = redis.shared;
    // The fast stream is far ahead; the slow one's entries must still count in their windows.
    for (const [id, page] of [['1000-0', '/a'], ['1500-0', '/a'], ['2200-0', '/b'], ['9000-0', '/a']] as const) await r.xadd(fast, id, 'value', JSON.stringify({ page }));
    for (const [id, page] of [['1100-0', '/a'], ['2100-0', '/a'], ['9500-0', '/b']] as const) await r.xadd(slow, id, 'value', JSON.stringify({ page }));
    const out = await countWindows([fast, slow], 'entry-id', 3);
    expect(out).toEqual(['/a 1000 3', '/a 2000 1', '/b 2000 1']);
  });

  it('takes each entry’s time from a field, as epoch ms or an ISO date', async () => {
    const stream = `et-${randomBytes(3).toString('hex')}:views`;
    const r = redis.shared;
    const at = (ms: number) => new Date(Date.UTC(2030, 0, 1) + ms);
    await r.xadd(stream, '*', 'value', JSON.stringify({ page: '/x' }), 'ts', String(at(100).getTime()));
    await r.xadd(stream, '*', 'value', JSON.stringify({ page: '/x' }), 'ts', at(900).toISOString());
    await r.xadd(stream, '*', 'value', JSON.stringify({ page: '/x' }), 'ts', String(at(5000).getTime()));
    const out = await countWindows([stream], { field: 'ts' }, 1);
    expect(out).toEqual([`/x ${at(0).getTime()} 2`]);
  });
});
