/**
 * A bounded job on two worker threads: generator → keyed count → exactly-once file sink, with
 * checkpoints. Environment: CK_DIR, OUT_DIR, COUNT; KEYS (default 20), PAYLOAD (a string of that
 * many characters kept per key, so that the keyed state outgrows the 20 KB inline limit and lands
 * in files of its own; default 0) and RATE (records per second; default as fast as it can).
 */
import { StreamEnvironment, fileSink, generatorSource } from '@weir/core';
import { pino } from 'pino';
import { CountPerKey, keyedRecord, requiredEnv as env, type Counted } from '../../support/keyed-count.ts';

const rate = process.env.RATE === undefined ? undefined : Number(process.env.RATE);
const e = StreamEnvironment.create({ parallelism: 2, logger: pino({ level: 'info' }, pino.destination(2)) });
e.setWorkers(2);
e.enableCheckpointing(100, { storage: env('CK_DIR'), retained: 3 });
e.fromSource(generatorSource({ count: Number(env('COUNT')), generate: keyedRecord(Number(env('KEYS', '20'))), ratePerSecond: rate }))
  .uid('source')
  .keyBy((r) => r.k)
  .process(new CountPerKey(Number(env('PAYLOAD', '0'))))
  .uid('count')
  .sinkTo(fileSink<Counted>({ directory: env('OUT_DIR') }))
  .uid('sink');
await e.execute('bounded');
