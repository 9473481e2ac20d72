import { integerOption, type RestartStrategy, type RestartStrategyFactory } from './restart-strategy.ts';
import { rejectUnknownOptions } from '../../util/options.ts';

/** Options of {@link failureRate}. */
export interface FailureRateOptions {
  /** Restarts allowed within any window of `interval` ms. */
  readonly maxFailures: number;
  /** Length of the sliding window, ms. */
  readonly interval: number;
  /** Wait before each restart, ms. */
  readonly delay: number;
}

/**
 * Restarts while failures are rare enough (Flink's `FailureRateRestartBackoffTimeStrategy`): the
 * job fails when, counting the latest failure, more than `maxFailures` failures happened within the
 * last `interval` ms (a window `(now - interval, now]`); older failures are forgotten.
 *
 * @throws ConfigError when `maxFailures` or `interval` is not a positive integer, or `delay` not a non-negative one
 */
export function failureRate(options: FailureRateOptions): RestartStrategyFactory {
  rejectUnknownOptions('failureRate', options, ['maxFailures', 'interval', 'delay']);
  const maxFailures = integerOption('failureRate', 'maxFailures', options.maxFailures, { min: 1 });
  const interval = integerOption('failureRate', 'interval', options.interval, { min: 1, unit: 'milliseconds' });
  const delay = integerOption('failureRate', 'delay', options.delay, { min: 0, unit: 'milliseconds' });
  return () => new FailureRateRestartStrategy(maxFailures, interval, delay);
}

class FailureRateRestartStrategy implements RestartStrategy {
  readonly description: string;
  readonly #maxFailures: number;
  readonly #interval: number;
  readonly #delay: number;
  /** Times of the latest failures, oldest first; at most `maxFailures + 1`. */
  readonly #failures: number[] = [];

  constructor(maxFailures: number, interval: number, delay: number) {
    this.#maxFailures = maxFailures;
    this.#interval = interval;
    this.#delay = delay;
    this.description = `failureRate(maxFailures=${maxFailures}, interval=${interval}ms, delay=${delay}ms)`;
  }

  notifyFailure(_error: Error, now: number): void {
    this.#failures.push(now);
    if (this.#failures.length > this.#maxFailures + 1) this.#failures.shift();
  }

  canRestart(): boolean {
    const latest = this.#failures.at(-1);
    if (latest === undefined) return true;
    const inWindow = this.#failures.filter((at) => at > latest - this.#interval).length;
    return inWindow <= this.#maxFailures;
  }

  backoffMs(): number {
    return this.#delay;
  }
}
