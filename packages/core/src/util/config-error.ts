/**
 * Invalid configuration, raised when the job is built or started (never mid-run). `option` names
 * the setting to change, and the message says what was expected and what was given.
 */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(
    readonly option: string,
    message: string,
  ) {
    super(message);
  }
}

/** Throws a ConfigError unless `value` is an integer in `[min, max]`. */
export function requireInteger(option: string, value: unknown, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `an integer ≥ ${min}` : `an integer in ${min}..${max}`;
    throw new ConfigError(option, `option '${option}' must be ${range}, got ${String(value)}`);
  }
  return value;
}
