/**
 * Views per page over the last minute, every 10 seconds, from a Redis stream: a sliding
 * event-time window whose time is each entry's id (when Redis added it), so the counts are those
 * of when the views happened, however late the job reads them. Each window's count goes to the
 * Redis stream `page-view-counts`, exactly once (it appears when the checkpoint after it completes).
 *
 *   redis-server &                                         # or REDIS_URL=redis://host:port
 *   npx weir run examples/redis-page-views.ts              # seeds 3 minutes of demo views, then keeps reading
 *   redis-cli XADD page-views '*' value '{"page":"/pricing","user":"u1"}'   # more views, from anywhere
 *   redis-cli XRANGE page-view-counts - +                  # the counts (msgpack; see README "Redis")
 *
 * A window [t, t + 60 s) closes when the watermark (2 s behind the newest entry) passes its end:
 * with no new views the last windows wait for the next one, as windows in a stream do.
 */
import { slidingEventTime, watermarks, type Collector, type StreamEnvironment, type WindowContext } from '@weir/core';
import { redisStreamSink, redisStreamSource } from '@weir/redis';
import { Redis } from 'ioredis';

const REDIS = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const VIEWS = 'page-views';
const PAGES = ['/', '/pricing', '/docs', '/docs/checkpoints', '/blog', '/about'];

interface View {
  readonly page: string;
  readonly user: string;
}

interface PageCount {
  readonly page: string;
  /** The window, as ISO times. */
  readonly from: string;
  readonly to: string;
  readonly views: number;
}

/** Three minutes of views, 20 per second, ending now, with their times as entry ids (only into an empty stream). */
async function seedDemoViews(): Promise<void> {
  const redis = new Redis(REDIS, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    if ((await redis.xlen(VIEWS)) > 0) return;
    const now = Date.now();
    const pipeline = redis.pipeline();
    for (let i = 0; i < 3 * 60 * 20; i++) {
      const at = now - 180_000 + i * 50;
      // Pages are not equally popular: '/' most, '/about' least.
      const page = PAGES[5 - Math.floor(Math.sqrt((i * 7919) % 36))];
      pipeline.xadd(VIEWS, `${at}-0`, 'value', JSON.stringify({ page, user: `u${i % 97}` } satisfies View));
    }
    await pipeline.exec();
  } finally {
    redis.disconnect();
  }
}

export default async function job(env: StreamEnvironment): Promise<void> {
  if (process.env.SEED_DEMO_VIEWS !== '0') await seedDemoViews();
  env.enableCheckpointing(1000, { storage: './checkpoints' });
  env
    .fromSource(
      redisStreamSource<View>({ redis: REDIS, streams: [VIEWS], format: 'json', startAt: 'earliest', eventTime: 'entry-id' }),
      // The entry id's time is the view's time; entries may come 2 s out of order across writers.
      watermarks.boundedOutOfOrderness<View>((_view, entryTime) => entryTime, 2_000).withIdleness(30_000),
    )
    .name('views')
    .uid('views')
    .keyBy((v) => v.page)
    .window(slidingEventTime({ size: 60_000, slide: 10_000 }))
    .aggregate(
      { create: () => 0, add: (n: number) => n + 1, result: (n: number) => n, merge: (a: number, b: number) => a + b },
      {
        process(page: string, ctx: WindowContext, [views]: readonly number[], out: Collector<PageCount>) {
          out.collect({ page, from: new Date(ctx.window.start).toISOString(), to: new Date(ctx.window.end).toISOString(), views });
        },
      },
    )
    .name('views per page, last minute')
    .uid('views-per-page')
    .sinkTo(redisStreamSink<PageCount>({ redis: REDIS, stream: 'page-view-counts', exactlyOnce: true }))
    .uid('page-view-counts');
}
