/** The ConfigError `call` throws at once; fails the test if it throws anything else, or nothing. */
import { expect } from 'vitest';
import { ConfigError } from '@weir/core';

export function configError(call: () => unknown): ConfigError {
  try {
    call();
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return e as ConfigError;
  }
  throw new Error('expected a ConfigError');
}
