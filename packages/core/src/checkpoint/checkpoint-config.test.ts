import { describe, expect, it } from 'vitest';
import { ConfigError } from '../util/config-error.ts';
import { resolveCheckpointConfig } from './checkpoint-config.ts';

describe('resolveCheckpointConfig', () => {
  it('fills Flink defaults, except two retained checkpoints', () => {
    expect(resolveCheckpointConfig(5_000)).toEqual({
      interval: 5_000,
      mode: 'exactly-once',
      timeout: 600_000,
      minPause: 0,
      maxConcurrent: 1,
      tolerableFailures: 0,
      retained: 2,
    });
  });

  it('keeps what the user set and treats undefined as unset', () => {
    const config = resolveCheckpointConfig(100, { mode: 'at-least-once', minPause: 50, timeout: undefined, retained: 5 });
    expect(config).toMatchObject({ mode: 'at-least-once', minPause: 50, timeout: 600_000, retained: 5 });
  });

  it('names the option and the value in the error', () => {
    const error = catchError(() => resolveCheckpointConfig(1_000, { timeout: -1 }));
    expect(error).toBeInstanceOf(ConfigError);
    expect(error).toMatchObject({ option: 'timeout' });
    expect(error.message).toBe("checkpoint option 'timeout' must be a positive integer (milliseconds), got -1");
  });

  it('refuses an interval below 10 ms or not an integer', () => {
    expect(catchError(() => resolveCheckpointConfig(9))).toMatchObject({ option: 'interval' });
    expect(catchError(() => resolveCheckpointConfig(10.5))).toMatchObject({ option: 'interval' });
    expect(resolveCheckpointConfig(10).interval).toBe(10);
  });

  it.each([
    ['minPause', { minPause: -1 }],
    ['maxConcurrent', { maxConcurrent: 0 }],
    ['tolerableFailures', { tolerableFailures: 1.5 }],
    ['retained', { retained: 0 }],
    ['timeout', { timeout: Infinity }],
  ] as const)('refuses an invalid %s', (option, options) => {
    expect(catchError(() => resolveCheckpointConfig(1_000, options))).toMatchObject({ option });
  });

  it('refuses an unknown mode', () => {
    const error = catchError(() => resolveCheckpointConfig(1_000, { mode: 'exactly-twice' as 'exactly-once' }));
    expect(error).toMatchObject({ option: 'mode' });
    expect(error.message).toContain('"exactly-twice"');
  });

  it('accepts zero tolerable failures and zero pause', () => {
    expect(resolveCheckpointConfig(1_000, { tolerableFailures: 0, minPause: 0 })).toMatchObject({ tolerableFailures: 0, minPause: 0 });
  });
});

function catchError(fn: () => unknown): Error {
  try {
    fn();
  } catch (error) {
    if (error instanceof Error) return error;
  }
  throw new Error('expected an error');
}
