import type { RestartStrategy, RestartStrategyFactory } from './restart-strategy.ts';

/** Never restarts: the first failure fails the job (Flink's `NoRestartBackoffTimeStrategy`). */
export function noRestart(): RestartStrategyFactory {
  return () => NO_RESTART;
}

const NO_RESTART: RestartStrategy = Object.freeze({
  description: 'noRestart',
  notifyFailure: () => {},
  canRestart: () => false,
  backoffMs: () => 0,
});
