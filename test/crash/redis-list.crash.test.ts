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

const JOB = fileURLToPath(new URL('./redis-list-job.ts', import.meta.url));

interface Out {
  k: string;
  n: number;
  i: number;
}

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

const redis = useRedis();
let c: Redis;
beforeAll(() => {
  c = redis.shared;
});
const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

/** How far the producer may go: the kill loop raises it kill by kill. */
interface Gate {
  upTo: number;
}

/**
 * LPUSHes items 0..COUNT-1 in order, a chunk at a time (the job takes the oldest first), never
 * past `gate.upTo`.
 */
async function produce(list: string, gate: Gate): Promise<void> {
  for (let from = 0; from < COUNT; from += PUSH_CHUNK) {
    while (from >= gate.upTo) await new Promise((r) => setTimeout(r, PUSH_EVERY_MS));
    const chunk: string[] = [];
    for (let i = from; i < Math.min(COUNT, from + PUSH_CHUNK); i++) chunk.push(JSON.stringify({ k: `k${i % KEYS}`, i }));
    await c.lpush(list, ...chunk);
    await new Promise((r) => setTimeout(r, PUSH_EVERY_MS));
  }
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

async function processingLists(list: string): Promise<string[]> {
  return (await c.keys(`${list}:processing:*`)).filter((k) => !k.endsWith(':meta'));
}

/** Runs the job until every item is out, committed and released from the processing lists. */
async function finalRun(job: ChildJob, list: string, out: string): Promise<void> {
  const deadline = Date.now() + FINAL_RUN_MS;
  for (;;) {
    if (Date.now() > deadline) throw new Error(`final run did not finish the queue in ${FINAL_RUN_MS / 1000} s:\n${job.stderr().slice(-3000)}`);
    const exited = await Promise.race([job.exited.then(() => true), new Promise<false>((r) => setTimeout(() => r(false), 100))]);
    if (exited) throw new Error(`final run exited early:\n${job.stderr().slice(-3000)}`);
    if ((await c.xlen(out)) < COUNT || (await c.llen(list)) > 0) continue;
    let inFlight = 0;
    for (const p of await processingLists(list)) inFlight += await c.llen(p);
    if (inFlight === 0) break;
  }
  // A few more checkpoints: a late duplicate would show now.
  await new Promise((r) => setTimeout(r, 400));
  job.kill();
  await job.exited;
}

/**
 * Resolves after the nth stderr chunk matching `pattern` once the source is reading (checkpoints of
 * this run, each past the restored one).
 */
async function waitForNth(job: ChildJob, pattern: RegExp, nth: number): Promise<void> {
  await job.waitFor(/reading the list/);
  for (let seen = 0; seen < nth; seen++) await job.waitFor(pattern);
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
      const root = await mkdtemp(join(tmpdir(), 'weir-crash-redis-'));
      dirs.push(root);
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
      const log: string[] = [];
      for (let killed = 0; killed < kills; ) {
        gate.upTo = Math.ceil(((killed + 1) / kills) * COUNT);
        const job = startChildJob(JOB, env);
        // A third of the kills land at a random moment once the job has started, a third just after
        // a checkpoint was triggered (snapshots in flight), a third just after one completed (sinks
        // committing, processing lists being trimmed). The checkpoint is the nth of the run (n in
        // 1..6), so that kills find the job anywhere from just restored with a backlog to caught up
        // with the producer.
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
      const outputDuringKills = await c.xlen(out);
      gate.upTo = COUNT;
      await producing;
      await finalRun(startChildJob(JOB, env), list, out);
      console.log(`[redis-list p=${parallelism}] kill points: ${log.join(', ')}; ${outputDuringKills} out after the kills`);

      const output = await readOutput(out);
      // Every item out exactly once: nothing lost from the queue, nothing doubled.
      expect(output.length, `kills: ${log.join(', ')}`).toBe(COUNT);
      expect(output.map((o) => o.i).sort((a, b) => a - b)).toEqual(Array.from({ length: COUNT }, (_, i) => i));
      expect(output.every((o) => o.k === `k${o.i % KEYS}`)).toBe(true);
      const byKey = new Map<string, Out[]>();
      for (const o of output) {
        const records = byKey.get(o.k);
        if (records === undefined) byKey.set(o.k, [o]);
        else records.push(o);
      }
      for (const [, records] of byKey) {
        // The keyed count saw each record once: its counts are 1..m.
        expect(records.map((o) => o.n).sort((a, b) => a - b)).toEqual(Array.from({ length: records.length }, (_, n) => n + 1));
        // One subtask reads the queue in order, so the counts follow the queue's order, record by record.
        if (parallelism === 1) expect(records.map((o) => o.n)).toEqual(records.map((_, n) => n + 1));
        if (parallelism === 1) expect(records.map((o) => o.i)).toEqual(records.map((o) => o.i).sort((a, b) => a - b));
      }
      expect(await c.llen(list)).toBe(0);
      expect(await c.llen(`${list}:dead`)).toBe(0);
      // No staged sink transaction left behind.
      expect(await scanKeys(`${DEFAULT_PREFIX}:stage:*`)).toEqual([]);
    },
    crashTimeout(killCount(12), 4000),
  );
});
