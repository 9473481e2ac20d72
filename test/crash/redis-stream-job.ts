/**
 * The job the Redis stream crash test kills: a Redis stream → keyBy → a keyed count in ValueState →
 * an exactly-once Redis stream sink. Entry i of the input stream holds `{ k: 'k<i mod KEYS>', i }`
 * as JSON in the field `value`; the output for it is `{ k, n, i }` with n the number of entries of
 * key k up to and including i (in stream order: the one stream is one split, read by one subtask).
 *
 * Configured by environment: REDIS_URL, IN_STREAM, OUT_STREAM, CK_DIR, JOB (the job name, which
 * names the sink's stage and commit-marker keys and the source's consumer group), PARALLELISM,
 * INTERVAL, and WORK_US: microseconds of busy work per record, so that a backlog builds up behind
 * the count (the source then holds fetched, undelivered entries when checkpoints and kills happen).
 */
import { redisStreamSink, redisStreamSource } from '@weir/redis';
import { redisCrashEnvironment } from './redis-job-environment.ts';
import { CountPerKey, requiredEnv as env, type Counted as Out, type Keyed as In } from '../support/keyed-count.ts';

const redis = env('REDIS_URL');
const workUs = Number(env('WORK_US', '0'));
// The source has one stream, so one subtask (its parallelism is capped at the number of
// streams); the count and the sink run at PARALLELISM.
const e = redisCrashEnvironment();
e.fromSource(redisStreamSource<In>({ redis, streams: [env('IN_STREAM')], format: 'json', startAt: 'earliest', batchSize: 1000 }))
  .uid('in')
  .keyBy((r) => r.k)
  .process(new CountPerKey(0, workUs))
  .uid('count')
  .sinkTo(redisStreamSink<Out>({ redis, stream: env('OUT_STREAM'), exactlyOnce: true }))
  .uid('sink');
// SIGTERM cancels the job cleanly (as `weir run` does): the process must then exit on its own.
const client = e.executeAsync(env('JOB', 'redis-stream-count'));
process.once('SIGTERM', () => client.cancel());
// SIGUSR2 prints the job's status (records in and out per task of the current attempt, failures).
process.on('SIGUSR2', () => process.stderr.write(`STATUS ${JSON.stringify(client.status())}\n`));
await client.result;
