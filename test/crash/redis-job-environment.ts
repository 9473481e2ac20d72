/**
 * The environment both Redis crash jobs run in. Configured by environment: PARALLELISM, CK_DIR,
 * INTERVAL, WORKERS (worker threads, default 2). Small channels, so that backpressure reaches the source, which then holds fetched
 * records at barriers; a restart strategy that outlasts any run of failures the test provokes.
 */
import { StreamEnvironment, fixedDelay } from '@weir/core';
import { pino } from 'pino';
import { requiredEnv as env } from '../support/keyed-count.ts';

export function redisCrashEnvironment(): StreamEnvironment {
  const e = StreamEnvironment.create({
    parallelism: Number(env('PARALLELISM', '1')),
    channelCapacity: 2,
    logger: pino({ level: process.env.WEIR_LOG_LEVEL ?? 'info' }, pino.destination(2)),
  });
  // Two worker threads unless WORKERS says otherwise: crash tests kill jobs whose subtasks run on threads.
  e.setWorkers(Number(env('WORKERS', '2')));
  e.enableCheckpointing(Number(env('INTERVAL', '100')), { storage: env('CK_DIR'), retained: 2, tolerableFailures: 1000 });
  e.setRestartStrategy(fixedDelay({ attempts: 1000, delay: 100 }));
  return e;
}
