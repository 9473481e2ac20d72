/**
 * A job whose worker thread dies once (DIE=exit: `process.exit` in a worker ends that thread;
 * DIE=throw: an exception thrown outside any task, from a timer), at record DIE_AT, the first
 * time only (a marker file remembers): generator → map → keyed count → exactly-once file sink, on
 * two worker threads. Environment: CK_DIR, OUT_DIR, MARKER, DIE, DIE_AT, COUNT.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { isMainThread } from 'node:worker_threads';
import { StreamEnvironment, fileSink, fixedDelay, generatorSource } from '@weir/core';
import { pino } from 'pino';
import { CountPerKey, requiredEnv as env, type Counted, type Keyed } from '../../support/keyed-count.ts';

const dieAt = Number(env('DIE_AT'));
const marker = env('MARKER');
const e = StreamEnvironment.create({ parallelism: 2, logger: pino({ level: 'info' }, pino.destination(2)) });
e.setWorkers(2);
e.enableCheckpointing(50, { storage: env('CK_DIR') });
e.setRestartStrategy(fixedDelay({ attempts: 3, delay: 50 }));
e.fromSource(generatorSource({ count: Number(env('COUNT')), generate: (i): Keyed => ({ k: `k${i % 20}`, i }), ratePerSecond: 20_000 }))
  .uid('source')
  .map((r) => {
    if (r.i === dieAt && !isMainThread && !existsSync(marker)) {
      writeFileSync(marker, 'died');
      if (env('DIE') === 'exit') process.exit(7);
      setTimeout(() => {
        throw new Error('thrown outside any task');
      }, 0);
    }
    return r;
  })
  .uid('map')
  .keyBy((r) => r.k)
  .process(new CountPerKey())
  .uid('count')
  .sinkTo(fileSink<Counted>({ directory: env('OUT_DIR') }))
  .uid('sink');
const result = await e.execute('dies-once');
process.stderr.write(`RESULT ${JSON.stringify(result)}\n`);
