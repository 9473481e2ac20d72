import { ConfigError } from '../util/config-error.ts';

/**
 * How a job checkpoints. Defaults match Flink's, except `retained` (2, not 1): falling back past a
 * damaged newest checkpoint needs a previous one.
 */
export interface CheckpointConfig {
  /** Milliseconds between periodic triggers; at least 10. */
  readonly interval: number;
  /** Exactly-once aligns barriers on tasks with several inputs; at-least-once does not. Default exactly-once. */
  readonly mode: 'exactly-once' | 'at-least-once';
  /** Milliseconds after trigger at which a checkpoint that has not completed expires. Default 10 minutes. */
  readonly timeout: number;
  /** Milliseconds that must pass after a checkpoint completed or aborted before a periodic one starts. Default 0. */
  readonly minPause: number;
  /** Checkpoints that may be in progress at once. Default 1. */
  readonly maxConcurrent: number;
  /** Consecutive failed checkpoints tolerated before the job fails. Default 0 (the first failure fails the job). */
  readonly tolerableFailures: number;
  /** Completed checkpoints kept on storage. Default 2. */
  readonly retained: number;
}

/** What a user may set; everything but `interval` has a default. */
export type CheckpointConfigOptions = Partial<Omit<CheckpointConfig, 'interval'>>;

/** The defaults of every option but `interval`. */
export const CHECKPOINT_DEFAULTS: Readonly<Omit<CheckpointConfig, 'interval'>> = Object.freeze({
  mode: 'exactly-once',
  timeout: 600_000,
  minPause: 0,
  maxConcurrent: 1,
  tolerableFailures: 0,
  retained: 2,
});

const MS = 'milliseconds';

/** Returns `value` when it is an integer ≥ `rule.min`, or throws a ConfigError naming `option`. */
function integerOption(option: string, value: unknown, rule: { readonly min: number; readonly unit?: string }): number {
  if (typeof value === 'number' && Number.isInteger(value) && value >= rule.min && value <= Number.MAX_SAFE_INTEGER) return value;
  const kind = rule.min === 1 ? 'a positive integer' : rule.min === 0 ? 'a non-negative integer' : `an integer of at least ${rule.min}`;
  const unit = rule.unit === undefined ? '' : ` (${rule.unit})`;
  throw new ConfigError(option, `checkpoint option '${option}' must be ${kind}${unit}, got ${describe(value)}`);
}

function describe(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}

/**
 * Fills defaults and validates: every number an integer, `interval` ≥ 10 ms, `timeout`,
 * `maxConcurrent` and `retained` ≥ 1, `minPause` and `tolerableFailures` ≥ 0.
 *
 * @throws ConfigError naming the first invalid option
 */
export function resolveCheckpointConfig(interval: number, options: CheckpointConfigOptions = {}): CheckpointConfig {
  const merged = { ...CHECKPOINT_DEFAULTS, ...definedOnly(options) };
  if (merged.mode !== 'exactly-once' && merged.mode !== 'at-least-once') {
    throw new ConfigError('mode', `checkpoint option 'mode' must be 'exactly-once' or 'at-least-once', got ${describe(merged.mode)}`);
  }
  return {
    interval: integerOption('interval', interval, { min: 10, unit: MS }),
    mode: merged.mode,
    timeout: integerOption('timeout', merged.timeout, { min: 1, unit: MS }),
    minPause: integerOption('minPause', merged.minPause, { min: 0, unit: MS }),
    maxConcurrent: integerOption('maxConcurrent', merged.maxConcurrent, { min: 1 }),
    tolerableFailures: integerOption('tolerableFailures', merged.tolerableFailures, { min: 0 }),
    retained: integerOption('retained', merged.retained, { min: 1 }),
  };
}

/** `{ timeout: undefined }` means "use the default", as if the key were absent. */
function definedOnly(options: CheckpointConfigOptions): CheckpointConfigOptions {
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined));
}
