import { unpack } from 'msgpackr';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { redisHashSink, redisListSink, redisStreamSink } from '@weir/redis';
import { useRedis } from '../support/use-redis.ts';
import { freshKey, sinkContext } from '../support/redis-sink-context.ts';

const redis = useRedis();
let client: Redis;
beforeAll(() => {
  client = redis.shared;
});

const record = { id: 7, name: 'é', tags: ['a', 'b'], ok: true, price: 1.5, none: null };

/** What a program without Weir reads: Redis's own msgpack decoder (Lua cmsgpack), as JSON. */
async function viaCmsgpack(key: string, read: 'stream' | 'list'): Promise<unknown> {
  const lua =
    read === 'stream'
      ? "local e = redis.call('XRANGE', KEYS[1], '-', '+')[1][2]; return { e[1], cjson.encode(cmsgpack.unpack(e[2])) }"
      : "return { 'element', cjson.encode(cmsgpack.unpack(redis.call('LINDEX', KEYS[1], 0))) }";
  const [field, json] = (await client.eval(lua, 1, key)) as [string, string];
  return { field, value: JSON.parse(json) };
}

describe('the output encoding of the Redis sinks, as other programs read it', () => {
  for (const exactlyOnce of [false, true]) {
    it(`writes a stream entry with one field 'value' holding plain msgpack (exactlyOnce: ${exactlyOnce})`, async () => {
      const stream = freshKey('out');
      const writer = redisStreamSink<typeof record>({ redis: redis.url, stream, exactlyOnce }).createWriter(sinkContext());
      await writer.open?.();
      writer.write(record);
      if (exactlyOnce) {
        writer.snapshotState!(1);
        await writer.completeSnapshot!(1);
        await writer.notifyCheckpointComplete!(1);
        await (writer as unknown as { whenCommitted(): Promise<void> }).whenCommitted();
      } else {
        await writer.flush!(true);
      }
      const [[, fields]] = await client.xrangeBuffer(stream, '-', '+');
      expect(fields.map((f, i) => (i % 2 === 0 ? f.toString() : 'bytes'))).toEqual(['value', 'bytes']);
      // Any msgpack decoder: no msgpackr records or structures in the bytes.
      expect(unpack(fields[1])).toEqual(record);
      expect(await viaCmsgpack(stream, 'stream')).toEqual({ field: 'value', value: { ...record, none: undefined } });
      await writer.close!();
    });
  }

  it('writes list elements as plain msgpack, and what serialize returns as is', async () => {
    const list = freshKey('list');
    const writer = redisListSink<typeof record>({ redis: redis.url, list }).createWriter(sinkContext());
    writer.write(record);
    await writer.flush!(true);
    expect(unpack((await client.lrangeBuffer(list, 0, -1))[0])).toEqual(record);
    expect(await viaCmsgpack(list, 'list')).toEqual({ field: 'element', value: { ...record, none: undefined } });
    await writer.close!();

    const text = freshKey('list');
    const json = redisListSink<typeof record>({ redis: redis.url, list: text, serialize: (r) => JSON.stringify(r) }).createWriter(sinkContext());
    json.write(record);
    await json.flush!(true);
    expect(JSON.parse((await client.lindex(text, 0))!)).toEqual(record);
    await json.close!();
  });

  it('writes hash values as Redis strings and integers', async () => {
    const hash = freshKey('hash');
    const writer = redisHashSink<{ k: string; n: number }>({ redis: redis.url, hash, key: (r) => r.k, value: (r) => r.n, mode: 'incrby' }).createWriter(
      sinkContext(),
    );
    writer.write({ k: 'a', n: 2 });
    writer.write({ k: 'a', n: 3 });
    await writer.flush!(true);
    expect(await client.hget(hash, 'a')).toBe('5');
    await writer.close!();
  });
});
