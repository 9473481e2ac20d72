import { ConfigError } from '../../util/config-error.ts';
import { integerOption, numberOption, type RestartStrategy, type RestartStrategyFactory } from './restart-strategy.ts';
import { rejectUnknownOptions } from '../../util/options.ts';

/** Options of {@link exponentialBackoff}; every one has Flink's default. */
export interface ExponentialBackoffOptions {
  /** Backoff after the first failure (and after a reset), ms. Default 1 000. */
  readonly initialBackoff?: number;
  /** Upper bound of the backoff, ms. Default 300 000 (5 min). */
  readonly maxBackoff?: number;
  /** Factor between consecutive backoffs, > 1. Default 2. */
  readonly multiplier?: number;
  /** Random spread of each backoff, as a fraction of it, in [0, 1]. Default 0.1 (±10 %). */
  readonly jitter?: number;
  /** Quiet time after which the backoff (and the attempt count) starts over, ms. Default 3 600 000 (1 h). */
  readonly resetBackoffThreshold?: number;
  /** Restarts allowed since the last reset. Default Infinity. */
  readonly attempts?: number;
  /** Source of randomness for the jitter, in [0, 1). Default `Math.random`. */
  readonly random?: () => number;
}

/**
 * Restarts with a backoff that grows by `multiplier` on every failure up to `maxBackoff`, and starts
 * over from `initialBackoff` once the job ran `resetBackoffThreshold` ms without failing (Flink's
 * `ExponentialDelayRestartBackoffTimeStrategy`, the default with checkpointing).
 *
 * The rule: a failure at `now` resets when `now - previousFailure ≥ resetBackoffThreshold + backoff`
 * (the quiet time is counted after the restart), otherwise `backoff = min(backoff × multiplier, maxBackoff)`.
 * `backoffMs()` is the backoff ± a uniformly random `jitter × backoff`. `canRestart()` is false once
 * more than `attempts` failures happened since the last reset.
 *
 * @throws ConfigError naming the first invalid option
 */
export function exponentialBackoff(options: ExponentialBackoffOptions = {}): RestartStrategyFactory {
  rejectUnknownOptions('exponentialBackoff', options, ['initialBackoff', 'maxBackoff', 'multiplier', 'jitter', 'resetBackoffThreshold', 'attempts', 'random']);
  const name = 'exponentialBackoff';
  const ms = { unit: 'milliseconds' } as const;
  const resolved: ResolvedOptions = {
    initialBackoff: integerOption(name, 'initialBackoff', options.initialBackoff ?? 1_000, { min: 1, ...ms }),
    maxBackoff: integerOption(name, 'maxBackoff', options.maxBackoff ?? 300_000, { min: 1, ...ms }),
    multiplier: numberOption(name, 'multiplier', options.multiplier ?? 2, 'a number greater than 1', (n) => n > 1),
    jitter: numberOption(name, 'jitter', options.jitter ?? 0.1, 'a number between 0 and 1', (n) => n >= 0 && n <= 1),
    resetBackoffThreshold: integerOption(name, 'resetBackoffThreshold', options.resetBackoffThreshold ?? 3_600_000, { min: 1, ...ms }),
    attempts: integerOption(name, 'attempts', options.attempts ?? Infinity, { min: 1, allowInfinity: true }),
    random: options.random ?? Math.random,
  };
  if (resolved.maxBackoff < resolved.initialBackoff) {
    const message = `${name} option 'maxBackoff' must be at least initialBackoff (${resolved.initialBackoff}), got ${resolved.maxBackoff}`;
    throw new ConfigError('maxBackoff', message);
  }
  return () => new ExponentialBackoffRestartStrategy(resolved);
}

type ResolvedOptions = Required<ExponentialBackoffOptions>;

class ExponentialBackoffRestartStrategy implements RestartStrategy {
  readonly description: string;
  readonly #o: ResolvedOptions;
  #backoff: number;
  #failuresSinceReset = 0;
  #lastFailureAt: number | undefined;

  constructor(options: ResolvedOptions) {
    this.#o = options;
    this.#backoff = options.initialBackoff;
    const { initialBackoff, maxBackoff, multiplier, jitter, resetBackoffThreshold, attempts } = options;
    this.description =
      `exponentialBackoff(initialBackoff=${initialBackoff}ms, maxBackoff=${maxBackoff}ms, multiplier=${multiplier}, ` +
      `jitter=${jitter}, resetBackoffThreshold=${resetBackoffThreshold}ms, attempts=${attempts})`;
  }

  notifyFailure(_error: Error, now: number): void {
    const last = this.#lastFailureAt;
    if (last === undefined || now - last >= this.#o.resetBackoffThreshold + this.#backoff) {
      this.#backoff = this.#o.initialBackoff;
      this.#failuresSinceReset = 0;
    } else {
      this.#backoff = Math.min(this.#backoff * this.#o.multiplier, this.#o.maxBackoff);
    }
    this.#failuresSinceReset += 1;
    this.#lastFailureAt = now;
  }

  canRestart(): boolean {
    return this.#failuresSinceReset <= this.#o.attempts;
  }

  backoffMs(): number {
    const spread = this.#backoff * this.#o.jitter;
    return Math.max(0, Math.round(this.#backoff + spread * (2 * this.#o.random() - 1)));
  }
}
