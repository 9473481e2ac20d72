/**
 * The job the crash tests kill: a deterministic generator → keyBy → a keyed count in ValueState →
 * the exactly-once file sink. Record i has key `k<i mod KEYS>`; the output record for i is
 * `{ k, n, i }` where n is how many records of key k came up to and including i, so the whole
 * expected output is known in advance, record by record.
 *
 * Configured by environment: CK_DIR, OUT_DIR, COUNT, KEYS, RATE, PARALLELISM, INTERVAL, CK_MODE,
 * COLUMNS_FROM (the heap backend's columnsFrom: 0 keeps the count in columns from the first checkpoint),
 * WORKERS (worker threads, default 2), PAYLOAD (bytes of extra keyed state per key, so snapshots take a while).
 */
import { HeapStateBackend, StreamEnvironment, fileSink, generatorSource } from '@weir/core';
import { pino } from 'pino';
import { CountPerKey, requiredEnv as env, type Counted as Out } from '../../support/keyed-count.ts';

const keys = Number(env('KEYS', '100'));
const columnsFrom = process.env.COLUMNS_FROM;
const e = StreamEnvironment.create({
  parallelism: Number(env('PARALLELISM', '1')),
  stateBackend: new HeapStateBackend(columnsFrom === undefined ? {} : { columnsFrom: Number(columnsFrom) }),
  logger: pino({ level: process.env.WEIR_LOG_LEVEL ?? 'info' }, pino.destination(2)),
});
// Two worker threads unless WORKERS says otherwise: crash tests kill jobs whose subtasks run on threads.
e.setWorkers(Number(env('WORKERS', '2')));
e.enableCheckpointing(Number(env('INTERVAL', '100')), {
  storage: env('CK_DIR'),
  mode: env('CK_MODE', 'exactly-once') as 'exactly-once' | 'at-least-once',
  retained: 2,
  tolerableFailures: 1000,
});
e.fromSource(
  generatorSource({
    count: Number(env('COUNT')),
    generate: (i) => ({ k: `k${i % keys}`, i }),
    ratePerSecond: Number(env('RATE', '20000')),
  }),
)
  .uid('source')
  .keyBy((r) => r.k)
  .process(new CountPerKey(Number(env('PAYLOAD', '0'))))
  .uid('count')
  .sinkTo(fileSink<Out>({ directory: env('OUT_DIR') }))
  .uid('sink');
await e.execute('keyed-count');
