import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_PREFIX } from '@weir/redis';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startChildJob, type ChildJob } from '../support/child-job.ts';
import { useRedis } from '../support/use-redis.ts';
import { crashSeed, crashTimeout, killCount, seededRandom } from '../support/seeded-random.ts';
import { countedKey, expectedCounts, keyedRecord, type Counted as Out } from '../support/keyed-count.ts';
import { killAtRandomMoments, produceGated, readOutputStream, scanKeys, type Gate } from '../support/redis-crash.ts';
import { tempDirs } from '../support/temp-dirs.ts';

const JOB = fileURLToPath(new URL('./redis-stream-job.ts', import.meta.url));

const COUNT = 200_000;
const KEYS = 100;
/**
 * The producer XADDs while the job is being killed, 2,500 entries every 150 ms at most, but spread
 * over the kills (never more than its share up to the kill in progress), so that entries flow
 * until the last kill whatever the machine's speed (and under `WEIR_SOAK`). The job, at 20 µs of
 * work per record and down much of the time, restarts behind: checkpoints and kills find entries
 * fetched by the source but not yet delivered (it reads 1,000 per XREAD into a buffer of 4,000),
 * delivered but not yet committed by the sink, committed but with the consumer group not yet moved.
 */
const PUSH_CHUNK = 2_500;
const PUSH_EVERY_MS = 150;
const WORK_US = '20';
/** The output must stay complete and unchanged this long (several checkpoints) before the final run ends. */
const STABLE_MS = 600;
const FINAL_RUN_MS = 60_000;
/**
 * After every BAD_EVERY-th entry the producer adds one that is not JSON: the source dead-letters
 * it, and however often the job is killed between the letter and a checkpoint covering it, the
 * dead-letter list holds its letter exactly once, naming the entry id.
 */
const BAD_EVERY = 2_000;
const BAD = COUNT / BAD_EVERY;

const redis = useRedis();
let c: Redis;
beforeAll(() => {
  c = redis.shared;
});
const dirs = tempDirs('weir-crash-redis-stream-');
afterAll(() => dirs.cleanup());

const record = keyedRecord(KEYS);

/**
 * XADDs entries 0..COUNT-1 in order, a chunk at a time, the payload as JSON in the field 'value',
 * never past `gate.upTo`; after every BAD_EVERY-th an entry `not json <i>`.
 */
function produce(stream: string, gate: Gate): Promise<void> {
  return produceGated(
    COUNT,
    gate,
    async (from, to) => {
      const pipeline = c.pipeline();
      for (let i = from; i < to; i++) {
        pipeline.xadd(stream, '*', 'value', JSON.stringify(record(i)));
        if (i % BAD_EVERY === BAD_EVERY - 1) pipeline.xadd(stream, '*', 'value', `not json ${i}`);
      }
      for (const [err] of (await pipeline.exec()) ?? []) if (err !== null) throw err;
    },
    PUSH_CHUNK,
    PUSH_EVERY_MS,
  );
}

/** The output of an uninterrupted run, computed: entry i of key k is the n-th of its key. */
function expectedOutput(): string[] {
  return expectedCounts(COUNT, KEYS).map(countedKey).sort();
}

/**
 * Runs the job (unbounded) until the producer is done and every record is out, then a little longer
 * with the output unchanged: a late duplicate, committed by a later checkpoint, would show.
 */
async function finalRun(job: ChildJob, producing: Promise<void>, out: string): Promise<void> {
  const producer = { done: false, failed: false };
  producing.then(
    () => (producer.done = true),
    () => (producer.failed = true),
  );
  const deadline = Date.now() + FINAL_RUN_MS;
  let last = -1;
  let stableSince = Date.now();
  for (;;) {
    if (Date.now() > deadline) {
      throw new Error(`final run did not output ${COUNT} records in ${FINAL_RUN_MS / 1000} s (${last} out):\n${job.stderr().slice(-3000)}`);
    }
    const exited = await Promise.race([job.exited.then(() => true), new Promise<false>((r) => setTimeout(() => r(false), 100))]);
    if (exited) throw new Error(`final run exited early:\n${job.stderr().slice(-3000)}`);
    if (producer.failed) {
      job.kill();
      await producing;
    }
    const len = await c.xlen(out);
    if (len !== last) {
      last = len;
      stableSince = Date.now();
    }
    if (producer.done && len >= COUNT && Date.now() - stableSince >= STABLE_MS) break;
  }
  job.kill();
  await job.exited;
}

describe('a Redis stream → keyed count → exactly-once Redis stream job killed with SIGKILL at random moments', () => {
  it.each([
    { parallelism: 1, kills: killCount(12) },
    { parallelism: 2, kills: killCount(10) },
  ])(
    'outputs every input entry exactly once, with the counts of an uninterrupted run, at parallelism $parallelism ($kills kills)',
    async ({ parallelism, kills }) => {
      const seed = crashSeed(`redis-stream p=${parallelism}`);
      const random = seededRandom(seed);
      const root = await dirs.make();
      const input = `crash${parallelism}:in`;
      const out = `crash${parallelism}:out`;
      const jobName = `redis-stream-count-p${parallelism}`;
      const env = {
        REDIS_URL: redis.url,
        IN_STREAM: input,
        OUT_STREAM: out,
        JOB: jobName,
        CK_DIR: join(root, 'ck'),
        PARALLELISM: String(parallelism),
        INTERVAL: '100',
        WORK_US,
      };
      const gate: Gate = { upTo: 0 };
      const producing = produce(input, gate);
      // Surfaced by `await producing` below; not an unhandled rejection while the kills go on.
      producing.catch(() => undefined);
      // Kills land at a random moment, or just after a checkpoint was triggered (snapshots in flight,
      // the sink staging) or completed (the sink committing, the source moving its consumer group).
      const log = await killAtRandomMoments({ job: JOB, env, kills, random, gate, count: COUNT, reading: /reading streams/ });
      const producedDuringKills = await c.xlen(input);
      const outputDuringKills = await c.xlen(out);
      gate.upTo = COUNT;
      await finalRun(startChildJob(JOB, env), producing, out);
      await producing;
      console.log(
        `[redis-stream p=${parallelism}] kill points: ${log.join(', ')}; ` +
          `after the kills ${producedDuringKills} entries were in, ${outputDuringKills} out`,
      );

      expect(await c.xlen(input)).toBe(COUNT + BAD);
      const output = await readOutputStream(c, out);
      const why = `seed ${seed}, kills: ${log.join(', ')}`;
      // Runs restored from checkpoints (a test whose every run started afresh would prove little).
      expect(log.restored, why).toBeGreaterThan(0);
      // Every entry out exactly once: nothing lost, nothing doubled.
      expect(output.length, why).toBe(COUNT);
      expect(
        output.map((o) => o.i).sort((a, b) => a - b),
        why,
      ).toEqual(Array.from({ length: COUNT }, (_, i) => i));
      const byKey = new Map<string, Out[]>();
      for (const o of output) {
        const records = byKey.get(o.k);
        if (records === undefined) byKey.set(o.k, [o]);
        else records.push(o);
      }
      for (const [k, records] of byKey) {
        // The keyed count saw each entry once: its counts are 1..m.
        expect(
          records.map((o) => o.n).sort((a, b) => a - b),
          `${k}: ${why}`,
        ).toEqual(Array.from({ length: records.length }, (_, n) => n + 1));
      }
      // The final counts per key are the input's.
      const inputCounts = new Map<string, number>();
      for (let i = 0; i < COUNT; i++) inputCounts.set(record(i).k, (inputCounts.get(record(i).k) ?? 0) + 1);
      expect(new Map([...byKey].map(([k, records]) => [k, Math.max(...records.map((o) => o.n))]))).toEqual(inputCounts);
      // Record by record, the output of an uninterrupted run: the one stream is one split, read in
      // order by one source subtask, and each key's records reach one count subtask in that order,
      // at parallelism 2 as at 1.
      expect(
        output.map((o) => `${o.k}:${o.n}:${o.i}`).sort(),
        why,
      ).toEqual(expectedOutput());
      // Each sink subtask commits its transactions in order: within a key, the output follows the input.
      for (const [k, records] of byKey) expect(records.map((o) => o.n), `${k}: ${why}`).toEqual(records.map((_, n) => n + 1));
      // No staged transaction left behind.
      expect(await scanKeys(c, `${DEFAULT_PREFIX}:stage:*`)).toEqual([]);
      expect(await scanKeys(c, '*stage*')).toEqual([]);
      // Every bad entry dead-lettered exactly once, with its id.
      const badIds = new Map<string, string>();
      for (const [id, fields] of await c.xrange(input, '-', '+')) if (fields[1].startsWith('not json')) badIds.set(fields[1], id);
      expect(badIds.size).toBe(BAD);
      const letters = (await c.lrange(`${input}:dead`, 0, -1)).map((l) => JSON.parse(l) as { payload: string; source: string; position: string });
      expect(letters.map((l) => `${l.payload}@${l.position}`).sort(), why).toEqual([...badIds].map(([payload, id]) => `${payload}@${id}`).sort());
      expect(letters.every((l) => l.source === input)).toBe(true);
      // The consumer group was moved to the last entry by a checkpoint that covers everything.
      const [lastIn] = await c.xrevrange(input, '+', '-', 'COUNT', 1);
      const groups = (await c.xinfo('GROUPS', input)) as unknown[][];
      const group = groups.map((g) => Object.fromEntries(chunkPairs(g))).find((g) => g.name === `${DEFAULT_PREFIX}:${jobName}:in`);
      expect(group?.['last-delivered-id'], JSON.stringify(groups)).toBe(lastIn[0]);
    },
    crashTimeout(killCount(12), 4000),
  );
});

function chunkPairs(flat: unknown[]): [unknown, unknown][] {
  const pairs: [unknown, unknown][] = [];
  for (let i = 0; i + 1 < flat.length; i += 2) pairs.push([flat[i], flat[i + 1]]);
  return pairs;
}
