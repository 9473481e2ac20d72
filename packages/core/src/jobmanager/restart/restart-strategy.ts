import { ConfigError } from '../../util/config-error.ts';

/**
 * Decides whether, and after how long, a failed job is restarted (Flink's
 * `RestartBackoffTimeStrategy`). The JobManager calls `notifyFailure` for every failure, then asks
 * `canRestart()`, then waits `backoffMs()` before redeploying. Time is passed in, never read.
 */
export interface RestartStrategy {
  /** Records a failure that happened at `now` (ms). */
  notifyFailure(error: Error, now: number): void;
  /** Whether the job may be restarted after the failures recorded so far. */
  canRestart(): boolean;
  /** How long to wait before the restart, ms. */
  backoffMs(): number;
  /** For logs, e.g. `fixedDelay(attempts=3, delay=10000ms)`. */
  readonly description: string;
}

/** Makes a fresh strategy for a job (one per job, since strategies keep counts). */
export type RestartStrategyFactory = () => RestartStrategy;

/**
 * Returns `value` when it is an integer ≥ `min` (or Infinity, when allowed), or throws a
 * {@link ConfigError} naming the option, e.g. `fixedDelay option 'attempts' must be a positive integer, got 0`.
 */
export function integerOption(
  strategy: string,
  option: string,
  value: unknown,
  rule: { readonly min: number; readonly unit?: string; readonly allowInfinity?: boolean },
): number {
  const integer = Number.isInteger(value) || (rule.allowInfinity === true && value === Infinity);
  if (typeof value === 'number' && integer && value >= rule.min) return value;
  const kind = rule.min === 1 ? 'a positive integer' : rule.min === 0 ? 'a non-negative integer' : `an integer of at least ${rule.min}`;
  const infinity = rule.allowInfinity === true ? ' or Infinity' : '';
  const unit = rule.unit === undefined ? '' : ` (${rule.unit})`;
  throw new ConfigError(option, `${strategy} option '${option}' must be ${kind}${infinity}${unit}, got ${describe(value)}`);
}

/** Returns `value` when it is a finite number satisfying `ok`, or throws a {@link ConfigError} saying `requirement`. */
export function numberOption(strategy: string, option: string, value: unknown, requirement: string, ok: (n: number) => boolean): number {
  if (typeof value === 'number' && Number.isFinite(value) && ok(value)) return value;
  throw new ConfigError(option, `${strategy} option '${option}' must be ${requirement}, got ${describe(value)}`);
}

function describe(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}
