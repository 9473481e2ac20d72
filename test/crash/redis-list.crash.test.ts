import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Redis } from 'ioredis';
import { unpack } from 'msgpackr';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startChildJob, type ChildJob } from '../support/child-job.ts';
import { startRedis, type TestRedis } from '../support/redis-server.ts';
import { crashSeed, crashTimeout, killCount, seededRandom } from '../support/seeded-random.ts';

const JOB = fileURLToPath(new URL('./redis-list-job.ts', import.meta.url));

interface Out {
  k: string;
  n: number;
  i: number;
}

const COUNT = 20_000;
const KEYS = 100;
/**
 * The producer pushes while the job is being killed (1,000 items every 400 ms, 20 k in about 8 s),
 * and the job, at 150 µs of work per record and down half the time, stays behind: checkpoints and
 * kills find items claimed and fetched by the source but not yet delivered (it claims 1,000 at a
 * time and hands the task 512 per poll), delivered but not yet committed, committed but not yet
 * trimmed.
 */
const PUSH_CHUNK = 1_000;
const PUSH_EVERY_MS = 400;

let redis: TestRedis;
let c: Redis;
const dirs: string[] = [];
beforeAll(async () => {
  redis = await startRedis();
  c = redis.client();
});
afterAll(async () => {
  c.disconnect();
  await redis.stop();
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

/** LPUSHes items 0..COUNT-1 in order, a chunk at a time (the job takes the oldest first). */
async function produce(list: string): Promise<void> {
  for (let from = 0; from < COUNT; from += PUSH_CHUNK) {
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

async function processingLists(list: string): Promise<string[]> {
  return (await c.keys(`${list}:processing:*`)).filter((k) => !k.endsWith(':meta'));
}

/** Runs the job until every item is out, committed and released from the processing lists. */
async function finalRun(job: ChildJob, list: string, out: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (Date.now() > deadline) throw new Error(`final run did not finish the queue in 20 s:\n${job.stderr().slice(-3000)}`);
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

describe('a Redis list → keyed count → exactly-once Redis stream job killed with SIGKILL at random moments', () => {
  it.each([
    { parallelism: 1, kills: killCount(10) },
    { parallelism: 2, kills: killCount(5) },
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
        CK_DIR: join(root, 'ck'),
        PARALLELISM: String(parallelism),
        INTERVAL: '100',
        WORK_US: '150',
      };
      const producing = produce(list);
      const log: string[] = [];
      for (let killed = 0; killed < kills; ) {
        const job = startChildJob(JOB, env);
        // A third of the kills land at a random moment once the job has started, a third just after
        // a checkpoint was triggered (snapshots in flight), a third just after one completed (sinks
        // committing, processing lists being trimmed).
        const kind = Math.floor(random() * 3);
        const after = kind === 0 ? undefined : kind === 1 ? /checkpoint triggered/ : /checkpoint completed/;
        const delay = after === undefined ? 500 + Math.floor(random() * 1200) : Math.floor(random() * 15);
        // After the first checkpoint of this run that began past the restore (skip the restored one).
        const killPoint = (after === undefined ? Promise.resolve() : job.waitFor(/reading the list/).then(() => job.waitFor(after))).then(
          () => new Promise((r) => setTimeout(r, delay)),
        );
        const outcome = await Promise.race([killPoint.then(() => 'kill' as const), job.exited.then(() => 'exited' as const)]);
        if (outcome === 'exited') throw new Error(`the job exited on its own:\n${job.stderr().slice(-3000)}`);
        job.kill();
        await job.exited;
        killed++;
        log.push(`${after === undefined ? 'start' : kind === 1 ? 'checkpoint triggered' : 'checkpoint completed'} +${delay} ms`);
      }
      await producing;
      await finalRun(startChildJob(JOB, env), list, out);
      console.log(`[redis-list p=${parallelism}] kill points: ${log.join(', ')}`);

      const output = await readOutput(out);
      // Every item out exactly once: nothing lost from the queue, nothing doubled.
      expect(output.length, `kills: ${log.join(', ')}`).toBe(COUNT);
      expect(output.map((o) => o.i).sort((a, b) => a - b)).toEqual(Array.from({ length: COUNT }, (_, i) => i));
      expect(output.every((o) => o.k === `k${o.i % KEYS}`)).toBe(true);
      const byKey = new Map<string, Out[]>();
      for (const o of output) byKey.set(o.k, [...(byKey.get(o.k) ?? []), o]);
      for (const [, records] of byKey) {
        // The keyed count saw each record once: its counts are 1..m.
        expect(records.map((o) => o.n).sort((a, b) => a - b)).toEqual(Array.from({ length: records.length }, (_, n) => n + 1));
        // One subtask reads the queue in order, so the counts follow the queue's order, record by record.
        if (parallelism === 1) expect(records.map((o) => o.n)).toEqual(records.map((_, n) => n + 1));
        if (parallelism === 1) expect(records.map((o) => o.i)).toEqual(records.map((o) => o.i).sort((a, b) => a - b));
      }
      expect(await c.llen(list)).toBe(0);
      expect(await c.llen(`${list}:dead`)).toBe(0);
    },
    crashTimeout(killCount(10), 4000),
  );
});
