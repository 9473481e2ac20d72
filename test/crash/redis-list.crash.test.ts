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
      for (let i = from; i < to; i++) chunk.push(JSON.stringify({ k: `k${i % KEYS}`, i }));
      await c.lpush(list, ...chunk);
    },
    PUSH_CHUNK,
    PUSH_EVERY_MS,
  );
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

      const output = await readOutputStream(c, out);
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
      expect(await scanKeys(c, `${DEFAULT_PREFIX}:stage:*`)).toEqual([]);
    },
    crashTimeout(killCount(12), 4000),
  );
});
