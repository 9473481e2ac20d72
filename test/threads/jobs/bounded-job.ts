/**
 * A bounded job on two worker threads: generator → keyed count → exactly-once file sink, with
 * checkpoints. It ends by itself; the test checks that its threads exit on their own when it does.
 * Environment: CK_DIR, OUT_DIR, COUNT.
 */
import { StreamEnvironment, fileSink, generatorSource } from '@weir/core';
import { pino } from 'pino';
import { CountPerKey, requiredEnv as env, type Counted, type Keyed } from '../../support/keyed-count.ts';

const e = StreamEnvironment.create({ parallelism: 2, logger: pino({ level: 'info' }, pino.destination(2)) });
e.setWorkers(2);
e.enableCheckpointing(100, { storage: env('CK_DIR') });
e.fromSource(generatorSource({ count: Number(env('COUNT')), generate: (i): Keyed => ({ k: `k${i % 20}`, i }) }))
  .uid('source')
  .keyBy((r) => r.k)
  .process(new CountPerKey())
  .uid('count')
  .sinkTo(fileSink<Counted>({ directory: env('OUT_DIR') }))
  .uid('sink');
await e.execute('bounded');
