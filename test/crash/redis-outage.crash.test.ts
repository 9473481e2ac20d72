/**
 * Redis dies under a running job and comes back: killed (SIGKILL, AOF on) at startup, while the
 * sinks open, while the source reads, while a checkpoint stages output, and while one commits;
 * restarted a moment later. Every outage must end in a restart of the job (never a hang), and the
 * output must be exactly that of an uninterrupted run. The job process itself is never killed.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_PREFIX } from '@weir/redis';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { startChildJob, type ChildJob } from '../support/child-job.ts';
import { expectedCounts, countedKey } from '../support/keyed-count.ts';
import { readOutputStream, scanKeys } from '../support/redis-crash.ts';
import { startRedis, type TestRedis } from '../support/redis-server.ts';
import { crashSeed, seededRandom } from '../support/seeded-random.ts';
import { tempDirs } from '../support/temp-dirs.ts';

const JOB = fileURLToPath(new URL('./redis-stream-job.ts', import.meta.url));
const COUNT = 40_000;
const KEYS = 60;
/** Entries the producer adds every PRODUCE_EVERY_MS: the input lasts through every outage. */
const PRODUCE_CHUNK = 200;
const PRODUCE_EVERY_MS = 50;

const dirs = tempDirs('weir-outage-');
afterAll(() => dirs.cleanup());
let redis: TestRedis | undefined;
let job: ChildJob | undefined;
afterEach(async () => {
  job?.kill();
  await redis?.stop();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Resolves when a stderr line matching `pattern` comes after the call (earlier lines do not count). */
function next(j: ChildJob, pattern: RegExp): Promise<void> {
  return j.waitFor(pattern);
}

describe('a Redis stream → keyed count → exactly-once Redis stream job whose Redis dies and comes back', () => {
  it('restarts after every outage and ends with exactly the output of an uninterrupted run', async () => {
    const seed = crashSeed('redis outage');
    const random = seededRandom(seed);
    redis = await startRedis({ aof: true });
    const c = redis.client();
    const root = await dirs.make();
    const input = 'outage:in';
    const out = 'outage:out';
    // The producer writes through the outages, retrying a chunk until Redis has it (XADD with an
    // explicit id, so that a retried chunk never adds an entry twice).
    const producing = (async () => {
      for (let from = 0; from < COUNT; from += PRODUCE_CHUNK) {
        for (;;) {
          try {
            const p = c.pipeline();
            for (let i = from; i < from + PRODUCE_CHUNK; i++) p.xadd(input, `${i + 1}-0`, 'value', JSON.stringify({ k: `k${i % KEYS}`, i }));
            const results = (await p.exec()) ?? [];
            const failed = results.find(([err]) => err !== null && !/equal or smaller/.test(err.message));
            if (failed === undefined) break;
          } catch {
            // Redis is down: try again.
          }
          await sleep(100);
        }
        await sleep(PRODUCE_EVERY_MS);
      }
    })();
    job = startChildJob(JOB, {
      REDIS_URL: redis.url,
      IN_STREAM: input,
      OUT_STREAM: out,
      CK_DIR: join(root, 'ck'),
      JOB: 'outage',
      PARALLELISM: '2',
      INTERVAL: '100',
      WORK_US: '30',
    });
    const running = job;
    const log: string[] = [];
    /** Waits for the next stderr line matching `pattern`, at most a minute (a hang fails the test, saying where). */
    const after = async (pattern: RegExp): Promise<void> => {
      const found = await Promise.race([next(running, pattern).then(() => true), sleep(60_000).then(() => false)]);
      if (!found) {
        if (process.env.WEIR_OUTAGE_LOG !== undefined) await writeFile(process.env.WEIR_OUTAGE_LOG, running.stderr());
        throw new Error(`seed ${seed}; outages so far: ${log.join(', ')}: no ${pattern} within 60 s:\n${running.stderr().slice(-4000)}`);
      }
    };
    const outage = async (what: string, delayMs: number): Promise<void> => {
      await sleep(delayMs);
      await redis!.kill();
      const downMs = 300 + Math.floor(random() * 1500);
      await sleep(downMs);
      await redis!.restart();
      log.push(`${what}+${delayMs}ms (down ${downMs} ms)`);
    };
    // At startup, as the job connects.
    await outage('startup', 300 + Math.floor(random() * 700));
    await after(/"checkpoint completed"/);
    // While the source reads, at a random moment.
    await outage('reading', Math.floor(random() * 400));
    await after(/"checkpoint completed"/);
    // While a checkpoint stages the sinks' output, and while one commits it.
    await after(/"checkpoint triggered"/);
    await outage('staging', Math.floor(random() * 10));
    await after(/"checkpoint completed"/);
    await after(/"checkpoint completed"/);
    await outage('commit', Math.floor(random() * 5));
    // While a restarted attempt opens its sinks (they commit what the restored checkpoint covers):
    // right after the restart the commit outage caused, if it caused one.
    if (await Promise.race([next(running, /restoring from checkpoint/).then(() => true), sleep(10_000).then(() => false)])) {
      await outage('sink open', Math.floor(random() * 30));
    }
    await after(/"checkpoint completed"/);
    await producing;
    c.disconnect();
    const context = `seed ${seed}; outages: ${log.join(', ')}`;

    const reader = redis.client();
    const deadline = Date.now() + 90_000;
    while ((await reader.xlen(out)) < COUNT) {
      if (Date.now() > deadline) {
        running.child.kill('SIGUSR2');
        await sleep(500);
        if (process.env.WEIR_OUTAGE_LOG !== undefined) await writeFile(process.env.WEIR_OUTAGE_LOG, running.stderr());
        const status = running.stderr().split('\n').filter((l) => l.startsWith('STATUS ')).at(-1);
        throw new Error(`${context}: ${await reader.xlen(out)} of ${COUNT} out after 90 s; ${status}:\n${running.stderr().slice(-3000)}`);
      }
      if (running.child.exitCode !== null) throw new Error(`${context}: the job exited:\n${running.stderr().slice(-3000)}`);
      await sleep(200);
    }
    // A few more checkpoints: a late duplicate would show now. Then the job stops on SIGTERM.
    await sleep(500);
    running.child.kill('SIGTERM');
    const exit = await Promise.race([running.exited, sleep(20_000).then(() => 'still running')]);
    expect(exit, `${context}: the job did not stop on SIGTERM`).toBe(0);
    // Most outages find a command in flight and fail the job (one that falls between two commands
    // goes unnoticed, which is fine): the job restarted, and never hung.
    expect((running.stderr().match(/restarting from the latest checkpoint/g) ?? []).length, context).toBeGreaterThanOrEqual(3);

    const output = (await readOutputStream(reader, out)).map(countedKey).sort();
    expect(output.length, context).toBe(COUNT);
    expect(output, context).toEqual(expectedCounts(COUNT, KEYS).map(countedKey).sort());
    expect(await scanKeys(reader, `${DEFAULT_PREFIX}:stage:*`), context).toEqual([]);
    reader.disconnect();
  }, 240_000);
});
