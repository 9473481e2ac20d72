import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { Packr } from 'msgpackr';
import { beforeAll, describe, expect, it } from 'vitest';
import type { DeadLetter } from '@weir/core';
import { encodeDeadLetter, replayDeadLetters, type DeadLetterFormat } from '@weir/redis';
import { crashSeed, crashTimeout, killCount, seededRandom } from '../support/seeded-random.ts';
import { useRedis } from '../support/use-redis.ts';
import { runWeir, startWeir } from './support/weir-cli.ts';

const redis = useRedis();
let c: Redis;
beforeAll(() => {
  c = redis.shared;
});

const prefix = (): string => `t${randomBytes(4).toString('hex')}`;
const weir = (...args: string[]) => runWeir(args);
const packr = new Packr({ useRecords: false, moreTypes: false });
const HOUR = 3_600_000;

/** A source's letter for raw input `raw` that could not be decoded. */
function sourceLetter(raw: Buffer | string, error: string, time: number, position = '0', format: DeadLetterFormat = 'json'): string | Buffer {
  const letter: DeadLetter = { payload: Buffer.from(raw), error, operator: 'jobs', attempts: 1, time, source: 'jobs:processing:0', position };
  return encodeDeadLetter(letter, format);
}

/** An operator's letter for `record`. */
function operatorLetter(record: unknown, error: string, time: number, format: DeadLetterFormat = 'json'): string | Buffer {
  return encodeDeadLetter({ payload: record, error, operator: 'validate', attempts: 3, time }, format);
}

/** Every key below `p` with its DUMP, to show that a command changed nothing. */
async function snapshot(p: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const key of (await c.keys(`${p}*`)).sort()) out[key] = (await c.dumpBuffer(key)).toString('base64');
  return out;
}

/** A dead-letter list of six letters of both kinds and formats, an element that is no letter, and bookkeeping. */
async function mixedList(): Promise<{ dead: string; p: string; now: number }> {
  const p = prefix();
  const dead = `${p}:jobs:dead`;
  const now = Date.now();
  await c.rpush(
    dead,
    sourceLetter('{"id":1', 'SyntaxError: Unexpected end of JSON input', now - 5 * HOUR, '10'),
    sourceLetter(Buffer.from([0xff, 0xfe, 0x01]), 'SyntaxError: Unexpected token \uFFFD in JSON at position 0', now - 4 * HOUR, '11'),
    sourceLetter('{"id":3,', 'SyntaxError: Unexpected end of JSON input', now - 3 * HOUR, '12', 'msgpack'),
    operatorLetter({ id: 4, amount: -5 }, 'RangeError: amount -5 is negative', now - 2 * HOUR),
    'this is not a letter',
    operatorLetter({ id: 6, amount: -7 }, 'RangeError: amount -7 is negative', now - HOUR, 'msgpack'),
    operatorLetter('seven', 'TypeError: not an object', now - 1000),
  );
  await c.hset(`${dead}:positions`, 'orders', '5-0');
  await c.zadd(`${dead}:batches`, 1, 'job:validate:0:3');
  return { dead, p, now };
}

describe('weir dlq list', () => {
  it('counts the letters, groups their reasons with numbers masked, and shows the oldest, the newest and samples', async () => {
    const { dead, now } = await mixedList();
    const r = await weir('dlq', 'list', redis.url, dead, '--json', '--samples', '2');
    expect(r.code, r.stderr).toBe(0);
    const s = JSON.parse(r.stdout);
    expect(s).toMatchObject({ key: dead, length: 7, letters: 6, matched: 6, unreadable: 1, formats: { json: 4, msgpack: 2 } });
    expect(s.oldest).toBe(now - 5 * HOUR);
    expect(s.newest).toBe(now - 1000);
    expect(s.reasons).toEqual([
      { value: 'RangeError: amount -N is negative', count: 2, example: 'RangeError: amount -5 is negative' },
      { value: 'SyntaxError: Unexpected end of JSON input', count: 2, example: 'SyntaxError: Unexpected end of JSON input' },
      { value: 'SyntaxError: Unexpected token \uFFFD in JSON at position N', count: 1, example: 'SyntaxError: Unexpected token \uFFFD in JSON at position 0' },
      { value: 'TypeError: not an object', count: 1, example: 'TypeError: not an object' },
    ]);
    expect(s.operators).toEqual([
      { value: 'jobs', count: 3 },
      { value: 'validate', count: 3 },
    ]);
    expect(s.samples).toHaveLength(2);
    expect(s.samples[0]).toMatchObject({ index: 0, operator: 'jobs', source: 'jobs:processing:0', position: '10', payload: '{"id":1', format: 'json' });
    expect(s.samples[1]).toMatchObject({ index: 1, payload: Buffer.from([0xff, 0xfe, 0x01]).toString('base64'), payloadEncoding: 'base64' });
    expect(s.bookkeeping).toMatchObject({ positions: { streams: 1 }, batches: { count: 1 } });

    const text = await weir('dlq', 'list', redis.url, dead, '--reason', 'NEGATIVE');
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toContain(`${dead}: 2 letters (json and msgpack) of 6 letters`);
    expect(text.stdout).toMatch(/2 {2}RangeError: amount -N is negative/);
    expect(text.stdout).toContain('oldest ');
    expect(text.stdout).toContain('"amount":-5');
  });

  it('refuses a key that is not a list, and says when it is bookkeeping', async () => {
    const { dead } = await mixedList();
    const r = await weir('dlq', 'list', redis.url, `${dead}:positions`);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${dead}:positions is a hash, not a dead-letter list: it is the positions bookkeeping of the dead-letter list ${dead}`);
    const bad = await weir('dlq', 'list', 'localhost:6379', dead);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('REDIS_URL must start with redis://');
  });
});

describe('weir dlq replay and purge, dry runs', () => {
  it('change nothing, and purge without --yes deletes nothing', async () => {
    const { dead, p } = await mixedList();
    await c.rpush(`${p}:queue`, 'waiting');
    const before = await snapshot(p);
    const replay = await weir('dlq', 'replay', redis.url, dead, '--to', `${p}:queue`, '--dry-run');
    expect(replay.code, replay.stderr).toBe(0);
    expect(replay.stdout).toContain(`dry run: would move 6 of 7 elements of ${dead} to ${p}:queue (list); nothing was changed`);
    const filtered = await weir('dlq', 'replay', redis.url, dead, '--to', `${p}:queue`, '--dry-run', '--reason-regex', '/^syntaxerror/i', '--until', '150m');
    expect(filtered.stdout).toContain('would move 3 of 7');
    const purge = await weir('dlq', 'purge', redis.url, dead, '--dry-run', '--operator', 'validate');
    expect(purge.code, purge.stderr).toBe(0);
    expect(purge.stdout).toContain(`dry run: would delete 3 of 7 elements of ${dead} (letters with operator validate); nothing was changed`);
    const unconfirmed = await weir('dlq', 'purge', redis.url, dead);
    expect(unconfirmed.code).toBe(2);
    expect(unconfirmed.stderr).toContain(`nothing deleted: add --yes to delete these 7 elements of ${dead}`);
    expect(await snapshot(p)).toEqual(before);
  });
});

describe('weir dlq replay', () => {
  it('puts each payload back in the form its producer wrote it, to a list and to a stream', async () => {
    const { dead, p } = await mixedList();
    const queue = `${p}:queue`;
    const list = await weir('dlq', 'replay', redis.url, dead, '--to', queue, '--to-type', 'list', '--until', '150m');
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toContain(`moved 3 letters from ${dead} to ${queue} (list); 4 left in ${dead} (1 of them not letters Weir wrote)`);
    // LPUSHed as producers push: the oldest letter is at the right end, taken first by RPOP.
    expect((await c.lrangeBuffer(queue, 0, -1)).reverse()).toEqual([Buffer.from('{"id":1'), Buffer.from([0xff, 0xfe, 0x01]), Buffer.from('{"id":3,')]);

    const stream = `${p}:stream`;
    const toStream = await weir('dlq', 'replay', redis.url, dead, '--to', stream, '--to-type', 'stream');
    expect(toStream.code, toStream.stderr).toBe(0);
    const entries = await c.xrangeBuffer(stream, '-', '+');
    expect(entries.map(([, fields]) => fields[0].toString())).toEqual(['value', 'value', 'value']);
    expect(entries.map(([, fields]) => fields[1])).toEqual([
      Buffer.from('{"id":4,"amount":-5}'),
      packr.pack({ id: 6, amount: -7 }),
      Buffer.from('"seven"'),
    ]);
    // What is not a letter stays; the bookkeeping that keeps letters from being written twice is untouched.
    expect(await c.lrange(dead, 0, -1)).toEqual(['this is not a letter']);
    expect(await c.hgetall(`${dead}:positions`)).toEqual({ orders: '5-0' });
    expect(await c.zrange(`${dead}:batches`, '0', '-1')).toEqual(['job:validate:0:3']);
    expect(await c.hgetall(`${dead}:replayed`)).toEqual({ [queue]: '3', [stream]: '3' });
  });

  it('moves only the letters the filter selects, keeps the others in order, and moves nothing when run again', async () => {
    const { dead, p } = await mixedList();
    const queue = `${p}:queue`;
    const args = ['dlq', 'replay', redis.url, dead, '--to', queue, '--to-type', 'list', '--reason', 'unexpected end', '--since', '4h'];
    const first = await weir(...args);
    expect(first.code, first.stderr).toBe(0);
    expect(await c.lrange(queue, 0, -1)).toEqual(['{"id":3,']);
    expect(await c.llen(dead)).toBe(6);
    const again = await weir(...args);
    expect(again.stdout).toContain('moved 0 letters');
    expect(await c.llen(queue)).toBe(1);
    const limited = await weir('dlq', 'replay', redis.url, dead, '--to', queue, '--operator', 'validate', '--limit', '2');
    expect(limited.stdout).toContain('moved 2 letters');
    // LPUSHed in letter order: the oldest selected letter ends up nearest the right end.
    expect(await c.lrangeBuffer(queue, 0, -1)).toEqual([packr.pack({ id: 6, amount: -7 }), Buffer.from('{"id":4,"amount":-5}'), Buffer.from('{"id":3,')]);
    const left = (await c.lrangeBuffer(dead, 0, -1)).map((b) => b.toString('utf8'));
    expect(left).toHaveLength(4);
    expect(JSON.parse(left[0]).payload).toBe('{"id":1');
    expect(JSON.parse(left[1]).payloadEncoding).toBe('base64');
    expect(left[2]).toBe('this is not a letter');
    expect(JSON.parse(left[3]).payload).toBe('seven');
  });

  it("refuses a target of another type, a list source's processing list, and a target that does not exist without --to-type", async () => {
    const { dead, p } = await mixedList();
    await c.hset(`${p}:hash`, 'a', '1');
    const wrongType = await weir('dlq', 'replay', redis.url, dead, '--to', `${p}:hash`);
    expect(wrongType.code).toBe(2);
    expect(wrongType.stderr).toContain(`--to ${p}:hash is a hash: letters go back to a list or a stream`);
    const missing = await weir('dlq', 'replay', redis.url, dead, '--to', `${p}:nothing`);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('does not exist yet: add --to-type list or --to-type stream');
    const processing = await weir('dlq', 'replay', redis.url, dead, '--to', `${p}:jobs:processing:0`);
    expect(processing.code).toBe(2);
    expect(processing.stderr).toContain(`replay to the queue producers push to, --to ${p}:jobs`);
    expect(await c.llen(dead)).toBe(7);
  });

  it('moves each letter once when two replays run at the same time', async () => {
    const p = prefix();
    const dead = `${p}:dead`;
    const n = 3000;
    await c.rpush(dead, ...Array.from({ length: n }, (_, i) => sourceLetter(`job ${i}`, 'Error: down', Date.now(), String(i))));
    const a = redis.client();
    const b = redis.client();
    try {
      const options = { deadLetterList: dead, target: `${p}:queue`, targetKind: 'list' as const, chunkSize: 7 };
      const [x, y] = await Promise.all([replayDeadLetters(a, options), replayDeadLetters(b, { ...options, chunkSize: 11 })]);
      expect(x.moved + y.moved).toBe(n);
    } finally {
      a.disconnect();
      b.disconnect();
    }
    const got = await c.lrange(`${p}:queue`, 0, -1);
    expect(got).toHaveLength(n);
    expect(new Set(got).size).toBe(n);
    expect(await c.llen(dead)).toBe(0);
  });
});

describe('weir dlq replay killed with SIGKILL and run again', () => {
  const KILLS = killCount(6);
  it(`delivers each of 10,000 dead letters exactly once (${KILLS} kills), while the job appends more`, async () => {
    const seed = crashSeed('dlq replay');
    const random = seededRandom(seed);
    const p = prefix();
    const dead = `${p}:dead`;
    const queue = `${p}:queue`;
    const n = 10_000;
    const t0 = Date.now();
    // Letters with another reason stay where they are, in order, whatever the kills.
    const letters: (string | Buffer)[] = [];
    for (let i = 0; i < n; i++) {
      letters.push(sourceLetter(`job ${i}`, 'Error: upstream down', t0, String(i), i % 2 === 0 ? 'json' : 'msgpack'));
      if (i % 10 === 0) letters.push(sourceLetter(`kept ${i}`, 'SyntaxError: bad input', t0, String(i)));
    }
    for (let i = 0; i < letters.length; i += 1000) await c.rpush(dead, ...letters.slice(i, i + 1000));
    const kept = letters.length - n;

    // A running job keeps dead-lettering meanwhile: appended letters are replayed once too, or stay.
    let appended = 0;
    let appending = true;
    const appender = (async () => {
      const w = redis.client();
      try {
        while (appending) {
          await w.rpush(dead, sourceLetter(`late ${appended}`, 'Error: upstream down', Date.now(), `late-${appended}`));
          appended++;
          await new Promise((r) => setTimeout(r, 15));
        }
      } finally {
        w.disconnect();
      }
    })();

    const command = ['dlq', 'replay', redis.url, dead, '--to', queue, '--to-type', 'list', '--reason', 'upstream', '--chunk', '20'];
    const kills: string[] = [];
    try {
      while (kills.length < KILLS) {
        const run = startWeir(command);
        let stop = false;
        const moved = await c.llen(queue);
        // A third of the kills at a random instant from the start (loading, reading the list), the
        // others once the queue has received a random share of what is left: between and during Lua calls.
        const atStart = kills.length % 3 === 0;
        const delay = Math.floor(random() * 2500);
        const target = moved + Math.floor((n + appended - moved) * (0.05 + random() * 0.9));
        const moment = atStart
          ? new Promise<string>((r) => setTimeout(() => r(`start+${delay}ms`), delay))
          : (async () => {
              while (!stop && (await c.llen(queue)) < target) await new Promise((r) => setTimeout(r, 2));
              return `moved≥${target}`;
            })();
        const outcome = await Promise.race([moment, run.exited.then(() => 'exited' as const)]);
        stop = true;
        if (outcome === 'exited') {
          // It finished before its kill: the list is drained of what it saw; more letters come.
          expect(await run.exited, run.stderr()).toBe(0);
          continue;
        }
        run.kill('SIGKILL');
        expect(await run.exited).toBe('SIGKILL');
        kills.push(outcome);
      }
    } finally {
      appending = false;
      await appender;
    }
    const last = await weir(...command);
    const context = `seed ${seed}; kills: ${kills.join(', ')}`;
    console.log(`[dlq replay] ${context}; ${appended} letters appended during the replays`);
    expect(last.code, `${context}\n${last.stderr}`).toBe(0);

    const delivered = await c.lrange(queue, 0, -1);
    const expected = [...Array.from({ length: n }, (_, i) => `job ${i}`), ...Array.from({ length: appended }, (_, i) => `late ${i}`)];
    expect(delivered.length, context).toBe(expected.length);
    expect(new Set(delivered).size, `${context}: a letter was delivered twice`).toBe(delivered.length);
    expect([...delivered].sort(), context).toEqual([...expected].sort());
    // The letters of the other reason, in their order, and nothing else.
    const left = (await c.lrange(dead, 0, -1)).map((l) => JSON.parse(l).payload);
    expect(left, context).toEqual(Array.from({ length: kept }, (_, j) => `kept ${j * 10}`));
    expect(Number(await c.hget(`${dead}:replayed`, queue)), context).toBe(expected.length);
  }, crashTimeout(KILLS, 5000));
});

describe('weir dlq purge', () => {
  it('deletes the letters a filter selects with --yes, and keeps the others and the bookkeeping', async () => {
    const { dead } = await mixedList();
    const r = await weir('dlq', 'purge', redis.url, dead, '--reason', 'negative', '--yes');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`deleted 2 elements of ${dead}; 5 left`);
    const left = await c.lrange(dead, 0, -1);
    expect(left.some((l) => l.includes('negative'))).toBe(false);
    expect(left).toContain('this is not a letter');
    const all = await weir('dlq', 'purge', redis.url, dead, '--yes');
    expect(all.stdout).toContain(`deleted 5 elements of ${dead}; 0 left`);
    expect(await c.exists(dead)).toBe(0);
    expect(await c.hgetall(`${dead}:positions`)).toEqual({ orders: '5-0' });
    expect(await c.zcard(`${dead}:batches`)).toBe(1);
  });
});
