/**
 * The job the Redis list crash test kills: a Redis list queue → keyBy → a keyed count in ValueState →
 * an exactly-once Redis stream sink. Item i is `{ k: 'k<i mod KEYS>', i }`; the output for it is
 * `{ k, n, i }` with n the number of items of key k up to and including i (in the order the job
 * read them).
 *
 * Configured by environment: REDIS_URL, LIST, OUT_STREAM, CK_DIR, JOB (the job name, which names
 * the sink's stage and commit-marker keys), PARALLELISM, INTERVAL, and WORK_US: microseconds of
 * busy work per record, so that a backlog builds up behind the count (the source then holds
 * fetched, undelivered records when checkpoints and kills happen).
 */
import { redisListSource, redisStreamSink } from '@weir/redis';
import { redisCrashEnvironment } from './redis-job-environment.ts';
import { CountPerKey, requiredEnv as env, type Counted as Out, type Keyed as In } from '../support/keyed-count.ts';

const redis = env('REDIS_URL');
const workUs = Number(env('WORK_US', '0'));
const e = redisCrashEnvironment();
e.fromSource(redisListSource<In>({ redis, list: env('LIST'), format: 'json', batchSize: 1000, pollMs: 20 }))
  .uid('queue')
  .keyBy((r) => r.k)
  .process(new CountPerKey(0, workUs))
  .uid('count')
  .sinkTo(redisStreamSink<Out>({ redis, stream: env('OUT_STREAM'), exactlyOnce: true }))
  .uid('sink');
await e.execute(env('JOB', 'redis-list-count'));
