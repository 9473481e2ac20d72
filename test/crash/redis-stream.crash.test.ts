import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_PREFIX } from '@weir/redis';
import type { Redis } from 'ioredis';
import { unpack } from 'msgpackr';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startChildJob, type ChildJob } from '../support/child-job.ts';
import { useRedis } from '../support/use-redis.ts';
import { crashSeed, crashTimeout, killCount, seededRandom } from '../support/seeded-random.ts';
import { countedKey, expectedCounts, keyedRecord } from '../support/keyed-count.ts';

const JOB = fileURLToPath(new URL('./redis-stream-job.ts', import.meta.url));

interface Out {
  k: string;
  n: number;
  i: number;
}

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

const redis = useRedis();
let c: Redis;
beforeAll(() => {
  c = redis.shared;
});
const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

const record = keyedRecord(KEYS);

/** How far the producer may go: the kill loop raises it kill by kill. */
interface Gate {
  upTo: number;
}

/**
 * XADDs entries 0..COUNT-1 in order, a chunk at a time, the payload as JSON in the field 'value',
 * never past `gate.upTo`.
 */
async function produce(stream: string, gate: Gate): Promise<void> {
  for (let from = 0; from < COUNT; from += PUSH_CHUNK) {
    while (from >= gate.upTo) await new Promise((r) => setTimeout(r, PUSH_EVERY_MS));
    const pipeline = c.pipeline();
    for (let i = from; i < Math.min(COUNT, from + PUSH_CHUNK); i++) pipeline.xadd(stream, '*', 'value', JSON.stringify(record(i)));
    for (const [err] of (await pipeline.exec()) ?? []) if (err !== null) throw err;
    await new Promise((r) => setTimeout(r, PUSH_EVERY_MS));
  }
}

/** The output of an uninterrupted run, computed: entry i of key k is the n-th of its key. */
function expectedOutput(): string[] {
  return expectedCounts(COUNT, KEYS).map(countedKey).sort();
}

async function readOutput(stream: string): Promise<Out[]> {
  const out: Out[] = [];
  let from = '-';
  for (;;) {
    const page = await c.xrangeBuffer(stream, from, '+', 'COUNT', 5000);
    for (const [, fields] of page) out.push(unpack(fields[1]) as Out);
    if (page.length < 5000) return out;
    from = `(${page[page.length - 1][0].toString()}`;
  }
}

async function scanKeys(pattern: string): Promise<string[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await c.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    keys.push(...batch);
    cursor = next;
  } while (cursor !== '0');
  return keys;
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

/**
 * Resolves after the nth stderr chunk matching `pattern` once the source is reading (checkpoints of
 * this run, each past the restored one).
 */
async function waitForNth(job: ChildJob, pattern: RegExp, nth: number): Promise<void> {
  await job.waitFor(/reading streams/);
  for (let seen = 0; seen < nth; seen++) await job.waitFor(pattern);
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
      const root = await mkdtemp(join(tmpdir(), 'weir-crash-redis-stream-'));
      dirs.push(root);
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
      const log: string[] = [];
      for (let killed = 0; killed < kills; ) {
        gate.upTo = Math.ceil(((killed + 1) / kills) * COUNT);
        const job = startChildJob(JOB, env);
        // A third of the kills land at a random moment once the job has started, a third just after
        // a checkpoint was triggered (snapshots in flight, the sink staging), a third just after one
        // completed (the sink committing its stages, the source moving its consumer group). The
        // checkpoint is the nth of the run (n in 1..6), so that kills find the job anywhere from
        // just restored with a backlog to caught up with the producer.
        const kind = Math.floor(random() * 3);
        const after = kind === 0 ? undefined : kind === 1 ? /checkpoint triggered/ : /checkpoint completed/;
        const nth = 1 + Math.floor(random() * 6);
        const delay = after === undefined ? 500 + Math.floor(random() * 1500) : Math.floor(random() * 15);
        const killPoint = (after === undefined ? Promise.resolve() : waitForNth(job, after, nth)).then(() => new Promise((r) => setTimeout(r, delay)));
        const outcome = await Promise.race([killPoint.then(() => 'kill' as const), job.exited.then(() => 'exited' as const)]);
        if (outcome === 'exited') throw new Error(`the job exited on its own:\n${job.stderr().slice(-3000)}`);
        job.kill();
        await job.exited;
        killed++;
        log.push(`${after === undefined ? 'start' : `checkpoint ${nth} ${kind === 1 ? 'triggered' : 'completed'}`} +${delay} ms`);
      }
      const producedDuringKills = await c.xlen(input);
      const outputDuringKills = await c.xlen(out);
      gate.upTo = COUNT;
      await finalRun(startChildJob(JOB, env), producing, out);
      await producing;
      console.log(
        `[redis-stream p=${parallelism}] kill points: ${log.join(', ')}; ` +
          `after the kills ${producedDuringKills} entries were in, ${outputDuringKills} out`,
      );

      expect(await c.xlen(input)).toBe(COUNT);
      const output = await readOutput(out);
      const why = `seed ${seed}, kills: ${log.join(', ')}`;
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
      // No staged transaction left behind, and nothing dead-lettered.
      expect(await scanKeys(`${DEFAULT_PREFIX}:stage:*`)).toEqual([]);
      expect(await scanKeys('*stage*')).toEqual([]);
      expect(await c.llen(`${input}:dead`)).toBe(0);
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
