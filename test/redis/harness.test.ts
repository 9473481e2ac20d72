import { afterAll, describe, expect, it } from 'vitest';
import { startRedis, type TestRedis } from '../support/redis-server.ts';

describe('the test redis-server', () => {
  let redis: TestRedis | undefined;
  afterAll(async () => redis?.stop());

  it('keeps acknowledged writes across a SIGKILL and restart when AOF is on', async () => {
    redis = await startRedis({ aof: true });
    const c = redis.client();
    await c.set('k', 'v');
    c.disconnect();
    await redis.kill();
    await redis.restart();
    const d = redis.client();
    expect(await d.get('k')).toBe('v');
    d.disconnect();
  });
});
