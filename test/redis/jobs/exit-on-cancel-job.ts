/**
 * A job that the exit-on-cancel test stops with SIGTERM mid-flow: it must then end on its own
 * (exit code 0) with no Redis socket, timer or child left open. One connector per `KIND`:
 *
 * - `stream-source`: a Redis stream source (the test keeps adding entries);
 * - `list-source`: a Redis list source (the test keeps pushing items);
 * - `dead-letter`: a generator whose map throws on every 50th record, dead-lettered through
 *   `redisDeadLetterQueue`;
 * - `sink-exactly-once`, `sink-at-least-once`: a generator into a Redis stream sink.
 *
 * Configured by environment: REDIS_URL, KIND, KEY (the stream, list or dead-letter list), OUT (the
 * sink's stream), CK_DIR. It prints `exit-on-cancel: <status>` once the job's result settles and,
 * if the process is still alive 5 s later, the handles that keep it alive.
 */
import { StreamEnvironment, generatorSource, type Sink } from '@weir/core';
import { redisDeadLetterQueue, redisListSource, redisStreamSink, redisStreamSource } from '@weir/redis';
import { pino } from 'pino';
import { requiredEnv as env } from '../../support/keyed-count.ts';

const redis = env('REDIS_URL');
const kind = env('KIND');
const key = env('KEY', 'exit:in');

const e = StreamEnvironment.create({ parallelism: 1, logger: pino({ level: process.env.WEIR_LOG_LEVEL ?? 'info' }, pino.destination(2)) });
e.enableCheckpointing(100, { storage: env('CK_DIR') });

/** Takes every record and does nothing with it. */
const discard: Sink<unknown> = { createWriter: () => ({ write: () => undefined }) };
const numbers = () => generatorSource({ generate: (i) => i, ratePerSecond: 2000 });

switch (kind) {
  case 'stream-source':
    e.fromSource(redisStreamSource<unknown>({ redis, streams: [key], format: 'json', startAt: 'earliest' })).uid('in').sinkTo(discard);
    break;
  case 'list-source':
    e.fromSource(redisListSource<unknown>({ redis, list: key, format: 'json' })).uid('in').sinkTo(discard);
    break;
  case 'dead-letter':
    e.fromSource(numbers())
      .map((i) => {
        if (i % 50 === 0) throw new RangeError(`no multiples of 50: ${i}`);
        return i;
      })
      .uid('check')
      .onError({ deadLetter: redisDeadLetterQueue({ redis, key }), attempts: 1 })
      .sinkTo(discard);
    break;
  case 'sink-exactly-once':
  case 'sink-at-least-once':
    e.fromSource(numbers())
      .sinkTo(redisStreamSink<number>({ redis, stream: env('OUT'), exactlyOnce: kind === 'sink-exactly-once' }))
      .uid('out');
    break;
  default:
    throw new Error(`unknown KIND ${kind}`);
}

const client = e.executeAsync(`exit-${kind}`);
process.on('SIGTERM', () => client.cancel());
const result = await client.result;
process.stderr.write(`exit-on-cancel: ${result.status}\n`);
setTimeout(() => {
  const handles = (process as unknown as { _getActiveHandles(): object[] })._getActiveHandles();
  process.stderr.write(`exit-on-cancel: still alive, handles: ${handles.map(describeHandle).join(', ')}\n`);
}, 5_000).unref();

function describeHandle(h: object): string {
  const name = h.constructor?.name ?? typeof h;
  const socket = h as { remotePort?: number; localPort?: number };
  return socket.remotePort !== undefined ? `${name}(→${socket.remotePort})` : name;
}
