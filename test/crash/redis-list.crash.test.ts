import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_PREFIX } from '@weir/redis';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startChildJob, type ChildJob } from '../support/child-job.ts';
import { useRedis } from '../support/use-redis.ts';
import { crashSeed, crashTimeout, killCount, seededRandom } from '../support/seeded-random.ts';
import { killAtRandomMoments, produceGated, readOutputStream, scanKeys, type Gate } from '../support/redis-crash.ts';
import type { Counted as Out } from '../support/keyed-count.ts';
import { tempDirs } from '../support/temp-dirs.ts';

const JOB = fileURLToPath(new URL('./redis-list-job.ts', import.meta.url));

const COUNT = 200_000;
const KEYS = 100;
/**
 * The producer pushes while the job is being killed, 2,500 items every 150 ms at most, but spread
 * over the kills (never more than its share up to the kill in progress), so that items flow until
 * the last kill whatever the machine's speed (and under `WEIR_SOAK`). The job, at 20 µs of work
 * per record and down much of the time, restarts behind: checkpoints and kills find items claimed
 * and fetched by the source but not yet delivered (it claims 1,000 at a time and hands the task
 * 512 per poll), delivered but not yet committed, committed but not yet trimmed.
 */
const PUSH_CHUNK = 2_500;
const PUSH_EVERY_MS = 150;
const WORK_US = '20';
const FINAL_RUN_MS = 60_000;
/**
 * After every BAD_EVERY-th item the producer pushes one that is not JSON: the source dead-letters
 * it, and however often the job is killed between the letter and a checkpoint covering it, the
 * dead-letter list holds its letter exactly once.
 */
const BAD_EVERY = 2_000;
const badPayload = (i: number): string => `not json ${i}`;

const redis = useRedis();
let c: Redis;
beforeAll(() => {
  c = redis.shared;
});
const dirs = tempDirs('weir-crash-redis-');
afterAll(() => dirs.cleanup());

/** LPUSHes items 0..COUNT-1 in order, a chunk at a time (the job takes the oldest first), never past `gate.upTo`. */
function produce(list: string, gate: Gate): Promise<void> {
  return produceGated(
    COUNT,
    gate,
    async (from, to) => {
      const chunk: string[] = [];
      for (let i = from; i < to; i++) {
        chunk.push(JSON.stringify({ k: `k${i % KEYS}`, i }));
        if (i % BAD_EVERY === BAD_EVERY - 1) chunk.push(badPayload(i));
      }
      // LPUSH a b c leaves c b a: the source, taking from the right, reads the chunk in order.
      await c.lpush(list, ...chunk);
    },
    PUSH_CHUNK,
    PUSH_EVERY_MS,
  );
}

async function processingLists(list: string): Promise<string[]> {
  return (await c.keys(`${list}:processing:*`)).filter((k) => !k.endsWith(':meta'));
}

/**
 * The output holds every item below `count` exactly once, and the keyed count saw each once (its
 * counts per key are 1..m); `inQueueOrder`: in the queue's order, record by record (one subtask
 * read the queue from start to end).
 */
async function expectEachItemOnce(out: string, count: number, inQueueOrder: boolean, why: string): Promise<void> {
  const output = await readOutputStream(c, out);
  // Every item out exactly once: nothing lost from the queue, nothing doubled.
  expect(output.length, why).toBe(count);
  expect(output.map((o) => o.i).sort((a, b) => a - b), why).toEqual(Array.from({ length: count }, (_, i) => i));
  expect(output.every((o) => o.k === `k${o.i % KEYS}`)).toBe(true);
  const byKey = new Map<string, Out[]>();
  for (const o of output) {
    const records = byKey.get(o.k);
    if (records === undefined) byKey.set(o.k, [o]);
    else records.push(o);
  }
  for (const [, records] of byKey) {
    expect(records.map((o) => o.n).sort((a, b) => a - b), why).toEqual(Array.from({ length: records.length }, (_, n) => n + 1));
    if (!inQueueOrder) continue;
    expect(records.map((o) => o.n), why).toEqual(records.map((_, n) => n + 1));
    expect(records.map((o) => o.i), why).toEqual(records.map((o) => o.i).sort((a, b) => a - b));
  }
}

/** Every bad payload pushed so far (items below `count`) has its letter in `<list>:dead` exactly once. */
async function expectEachLetterOnce(list: string, count: number, why: string): Promise<void> {
  const letters = (await c.lrange(`${list}:dead`, 0, -1)).map((l) => JSON.parse(l) as { payload: string; source: string; position: string; error: string });
  const expected = Array.from({ length: Math.floor(count / BAD_EVERY) }, (_, n) => badPayload((n + 1) * BAD_EVERY - 1));
  expect(letters.map((l) => l.payload).sort(), why).toEqual(expected.sort());
  // Each names its processing list and its offset there, and the reason.
  for (const l of letters) {
    expect(l.source, why).toMatch(new RegExp(`^${list}:processing:\\d+$`));
    expect(l.position, why).toMatch(/^\d+$/);
    expect(l.error, why).toMatch(/SyntaxError/);
  }
}

/** Runs the job until every item is out, committed and released from the processing lists. */
async function finalRun(job: ChildJob, list: string, out: string, count = COUNT): Promise<void> {
  const deadline = Date.now() + FINAL_RUN_MS;
  for (;;) {
    if (Date.now() > deadline) {
      const lists = await processingLists(list);
      const lengths = await Promise.all(lists.map(async (p) => `${p}: ${await c.llen(p)}`));
      throw new Error(
        `final run did not finish the queue in ${FINAL_RUN_MS / 1000} s: ${await c.xlen(out)} of ${count} out, ` +
          `${await c.llen(list)} still queued, processing lists ${lengths.join(', ')}:\n${job.stderr().slice(-3000)}`,
      );
    }
    const exited = await Promise.race([job.exited.then(() => true), new Promise<false>((r) => setTimeout(() => r(false), 100))]);
    if (exited) throw new Error(`final run exited early:\n${job.stderr().slice(-3000)}`);
    if ((await c.xlen(out)) < count || (await c.llen(list)) > 0) continue;
    let inFlight = 0;
    for (const p of await processingLists(list)) inFlight += await c.llen(p);
    if (inFlight === 0) break;
  }
  // A few more checkpoints: a late duplicate would show now.
  await new Promise((r) => setTimeout(r, 400));
  job.kill();
  await job.exited;
}

describe('a Redis list → keyed count → exactly-once Redis stream job killed with SIGKILL at random moments', () => {
  it.each([
    { parallelism: 1, kills: killCount(12) },
    { parallelism: 2, kills: killCount(10) },
  ])(
    'outputs every queued item exactly once at parallelism $parallelism ($kills kills), losing none from the queue',
    async ({ parallelism, kills }) => {
      const seed = crashSeed(`redis-list p=${parallelism}`);
      const random = seededRandom(seed);
      const root = await dirs.make();
      const list = `crash${parallelism}:queue`;
      const out = `crash${parallelism}:out`;
      const env = {
        REDIS_URL: redis.url,
        LIST: list,
        OUT_STREAM: out,
        JOB: `redis-list-count-p${parallelism}`,
        CK_DIR: join(root, 'ck'),
        PARALLELISM: String(parallelism),
        INTERVAL: '100',
        WORK_US,
      };
      const gate: Gate = { upTo: 0 };
      const producing = produce(list, gate);
      // Surfaced by `await producing` below; not an unhandled rejection while the kills go on.
      producing.catch(() => undefined);
      // Kills land at a random moment, or just after a checkpoint was triggered (snapshots in flight)
      // or completed (sinks committing, processing lists being trimmed).
      const log = await killAtRandomMoments({ job: JOB, env, kills, random, gate, count: COUNT, reading: /reading the list/ });
      const outputDuringKills = await c.xlen(out);
      gate.upTo = COUNT;
      await producing;
      await finalRun(startChildJob(JOB, env), list, out);
      console.log(`[redis-list p=${parallelism}] kill points: ${log.join(', ')}; ${outputDuringKills} out after the kills`);

      await expectEachItemOnce(out, COUNT, parallelism === 1, `seed ${seed}, kills: ${log.join(', ')}`);
      // Runs restored from checkpoints (a test whose every run started afresh would prove little).
      expect(log.restored, `seed ${seed}, kills: ${log.join(', ')}`).toBeGreaterThan(0);
      expect(await c.llen(list)).toBe(0);
      await expectEachLetterOnce(list, COUNT, `seed ${seed}, kills: ${log.join(', ')}`);
      // No staged sink transaction left behind.
      expect(await scanKeys(c, `${DEFAULT_PREFIX}:stage:*`)).toEqual([]);
    },
    crashTimeout(killCount(12), 4000),
  );
});

/** Items pushed before each run of the rescale test. */
const RESCALE_CHUNK = 6_000;
/** A checkpoint interval no run of the test lives to see. */
const NEVER = '600000';

describe('a Redis list job rescaled 1 → 2 → (killed before its first checkpoint) → 1, again and again', () => {
  const rounds = killCount(3);
  it(
    `outputs every item exactly once and dead-letters each bad one once (${rounds} rounds): nothing stays stranded in the wider run's lists`,
    async () => {
      const seed = crashSeed('redis-list rescale');
      const random = seededRandom(seed);
      const root = await dirs.make();
      const list = 'rescale:queue';
      const out = 'rescale:out';
      const base = { REDIS_URL: redis.url, LIST: list, OUT_STREAM: out, JOB: 'redis-list-rescale', CK_DIR: join(root, 'ck'), WORK_US };
      let pushed = 0;
      const pushChunk = async (): Promise<void> => {
        const chunk: string[] = [];
        for (let i = pushed; i < pushed + RESCALE_CHUNK; i++) {
          chunk.push(JSON.stringify({ k: `k${i % KEYS}`, i }));
          if (i % BAD_EVERY === BAD_EVERY - 1) chunk.push(badPayload(i));
        }
        await c.lpush(list, ...chunk);
        pushed += RESCALE_CHUNK;
      };
      const log: string[] = [];
      for (let round = 0; round < rounds; round++) {
        // P=1, checkpointing: killed just after its nth checkpoint completed.
        await pushChunk();
        const narrow = startChildJob(JOB, { ...base, PARALLELISM: '1', INTERVAL: '100' });
        const nth = 1 + Math.floor(random() * 3);
        const delay = Math.floor(random() * 300);
        await narrow.waitFor(/reading the list/);
        for (let n = 0; n < nth; n++) await narrow.waitFor(/checkpoint completed/);
        await sleep(delay);
        narrow.kill();
        await narrow.exited;
        // P=2, restored from it: subtask 1 claims into list 1, and the run dies before any checkpoint.
        await pushChunk();
        const wide = startChildJob(JOB, { ...base, PARALLELISM: '2', INTERVAL: NEVER });
        const deadline = Date.now() + 20_000;
        while ((await c.llen(`${list}:processing:1`)) === 0) {
          if (Date.now() > deadline) throw new Error(`subtask 1 claimed nothing:\n${wide.stderr().slice(-3000)}`);
          await sleep(10);
        }
        const wideDelay = Math.floor(random() * 400);
        await sleep(wideDelay);
        wide.kill();
        await wide.exited;
        expect(wide.stderr()).not.toMatch(/checkpoint completed/);
        const stranded = await c.llen(`${list}:processing:1`);
        log.push(`P=1 killed ${delay} ms after checkpoint ${nth}, P=2 killed after ${wideDelay} ms with ${stranded} items in list 1`);
      }
      // P=1 to the end.
      await pushChunk();
      await finalRun(startChildJob(JOB, { ...base, PARALLELISM: '1', INTERVAL: '100' }), list, out, pushed);
      console.log(`[redis-list rescale] ${log.join('; ')}`);

      const why = `seed ${seed}: ${log.join('; ')}`;
      await expectEachItemOnce(out, pushed, false, why);
      await expectEachLetterOnce(list, pushed, why);
      expect(await c.llen(list)).toBe(0);
      expect(await c.smembers(`${list}:processing-lists`)).toEqual([`${list}:processing:0`]);
      expect(await scanKeys(c, `${DEFAULT_PREFIX}:stage:*`)).toEqual([]);
    },
    crashTimeout(rounds * 2, 6000),
  );
});

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
