import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startChildJob } from '../support/child-job.ts';
import { useRedis } from '../support/use-redis.ts';
import { tempDirs } from '../support/temp-dirs.ts';

const JOB = fileURLToPath(new URL('./jobs/exit-on-cancel-job.ts', import.meta.url));
/** A cancelled job has this long to end its process on its own. */
const EXIT_BOUND_MS = 15_000;

const redis = useRedis();
let c: Redis;
beforeAll(() => {
  c = redis.shared;
});
const dirs = tempDirs('weir-exit-');
afterAll(() => dirs.cleanup());

/** Keeps input arriving (an entry or item every 5 ms) until stopped. */
function feed(kind: string, key: string): () => Promise<void> {
  let i = 0;
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      const value = JSON.stringify({ i: i++ });
      if (kind === 'stream-source') await c.xadd(key, '*', 'value', value);
      else if (kind === 'list-source') await c.lpush(key, value);
      await new Promise((r) => setTimeout(r, 5));
    }
  })();
  return async () => {
    stopped = true;
    await loop;
  };
}

describe('a job on a Redis connector, cancelled with SIGTERM mid-flow', () => {
  it.each(['stream-source', 'list-source', 'dead-letter', 'sink-exactly-once', 'sink-at-least-once'])(
    '%s: the process exits on its own with code 0',
    async (kind) => {
      const root = await dirs.make();
      const key = `exit:${kind}:in`;
      const stopFeeding = feed(kind, key);
      const job = startChildJob(JOB, { REDIS_URL: redis.url, KIND: kind, KEY: key, OUT: `exit:${kind}:out`, CK_DIR: join(root, 'ck') });
      try {
        // Mid-flow: a few checkpoints done, input (or output, or letters) still flowing.
        for (let n = 0; n < 3; n++) await job.waitFor(/checkpoint completed/);
        if (kind === 'dead-letter') expect(await c.llen(key)).toBeGreaterThan(0);
        job.child.kill('SIGTERM');
        const code = await Promise.race([job.exited, new Promise((r) => setTimeout(() => r('still running'), EXIT_BOUND_MS))]);
        expect(code, job.stderr().split('\n').filter((l) => l.startsWith('exit-on-cancel')).join('\n')).toBe(0);
        expect(job.stderr()).toContain('exit-on-cancel: cancelled');
      } finally {
        await stopFeeding();
        job.kill();
        await job.exited;
      }
    },
    EXIT_BOUND_MS + 30_000,
  );
});
