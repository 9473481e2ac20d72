export type { RestartStrategy, RestartStrategyFactory } from './restart-strategy.ts';
export { noRestart } from './no-restart.ts';
export { fixedDelay, type FixedDelayOptions } from './fixed-delay.ts';
export { exponentialBackoff, type ExponentialBackoffOptions } from './exponential-backoff.ts';
export { failureRate, type FailureRateOptions } from './failure-rate.ts';
