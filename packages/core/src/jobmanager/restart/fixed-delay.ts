import { integerOption, type RestartStrategy, type RestartStrategyFactory } from './restart-strategy.ts';
import { rejectUnknownOptions } from '../../util/options.ts';

/** Options of {@link fixedDelay}. */
export interface FixedDelayOptions {
  /** Restarts allowed over the job's lifetime; the failure after the last one fails the job. */
  readonly attempts: number;
  /** Wait before each restart, ms. */
  readonly delay: number;
}

/**
 * Restarts up to `attempts` times, waiting `delay` ms each time (Flink's
 * `FixedDelayRestartBackoffTimeStrategy`): failure number `attempts + 1` fails the job.
 *
 * @throws ConfigError when `attempts` is not a positive integer (or Infinity) or `delay` not a non-negative integer
 */
export function fixedDelay(options: FixedDelayOptions): RestartStrategyFactory {
  rejectUnknownOptions('fixedDelay', options, ['attempts', 'delay']);
  const attempts = integerOption('fixedDelay', 'attempts', options.attempts, { min: 1, allowInfinity: true });
  const delay = integerOption('fixedDelay', 'delay', options.delay, { min: 0, unit: 'milliseconds' });
  return () => new FixedDelayRestartStrategy(attempts, delay);
}

class FixedDelayRestartStrategy implements RestartStrategy {
  readonly description: string;
  readonly #attempts: number;
  readonly #delay: number;
  #failures = 0;

  constructor(attempts: number, delay: number) {
    this.#attempts = attempts;
    this.#delay = delay;
    this.description = `fixedDelay(attempts=${attempts}, delay=${delay}ms)`;
  }

  notifyFailure(_error: Error, _now: number): void {
    this.#failures += 1;
  }

  canRestart(): boolean {
    return this.#failures <= this.#attempts;
  }

  backoffMs(): number {
    return this.#delay;
  }
}
