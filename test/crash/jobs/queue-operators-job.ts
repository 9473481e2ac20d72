/**
 * The queue-operators job the crash tests kill: a deterministic generator of customers' jobs →
 * keyBy(customer).dedupe(id) → keyBy(customer).rateLimit(20 per 50 ms) → a map chained after the
 * limiter that stamps when each job left → the exactly-once file sink. The input (see
 * queue-operators-model.ts) comes faster than the limit for two hot customers, so their jobs wait
 * in the limiter's state for most of a run; a tail of filler records, dropped right after the
 * source, keeps the input open until the limiter has let them all go.
 *
 * Configured by environment: CK_DIR, OUT_DIR, COUNT (jobs), TAIL (filler records after them),
 * RATE, PARALLELISM, WORKERS, INTERVAL, RUN (the test's number for this run, stamped into the output).
 */
import { fileSink, generatorSource, StreamEnvironment } from '@weir/core';
import { pino } from 'pino';
import { requiredEnv as env } from '../../support/keyed-count.ts';
import { isFiller, jobs, PER, PER_KEY, TTL, type Generated, type Out } from './queue-operators-model.ts';

const run = Number(env('RUN', '0'));
const input = jobs(Number(env('COUNT')));
const tail = Number(env('TAIL', '0'));
const e = StreamEnvironment.create({
  parallelism: Number(env('PARALLELISM', '1')),
  logger: pino({ level: process.env.WEIR_LOG_LEVEL ?? 'info' }, pino.destination(2)),
});
// Two worker threads unless WORKERS says otherwise: keyed state and timers cross threads on a rescale.
e.setWorkers(Number(env('WORKERS', '2')));
e.enableCheckpointing(Number(env('INTERVAL', '100')), { storage: env('CK_DIR'), retained: 2, tolerableFailures: 1000 });

/** This thread's emissions of the stamping map: orders a run's jobs of one customer where `at` ties. */
let emitted = 0;
e.fromSource(
  generatorSource<Generated>({
    count: input.length + tail,
    generate: (i) => ({ ...(input[i] ?? { c: '', id: -1, seq: i }), gen: run, born: Date.now() }),
    ratePerSecond: Number(env('RATE', '4000')),
  }),
)
  .uid('source')
  .filter((j) => !isFiller(j))
  .uid('drop-tail')
  .keyBy((j) => j.c)
  .dedupe((j) => j.id, { ttl: TTL })
  .uid('dedupe')
  .keyBy((j) => j.c)
  .rateLimit({ perKey: PER_KEY, per: PER })
  .uid('limit')
  .map((j): Out => ({ ...j, run, at: Date.now(), n: emitted++ }))
  .uid('stamp')
  .sinkTo(fileSink<Out>({ directory: env('OUT_DIR') }))
  .uid('sink');
await e.execute('queue-operators');
