import { describe, expect, it } from 'vitest';
import { ConfigError } from './config-error.ts';
import { nearestName, rejectUnknownOptions } from './options.ts';

describe('rejectUnknownOptions', () => {
  it('names the unknown key and the nearest valid one', () => {
    const call = () => rejectUnknownOptions('checkpoint options', { retaned: 5 }, ['retained', 'timeout']);
    expect(call).toThrow(ConfigError);
    expect(call).toThrow("checkpoint options has no option 'retaned'; did you mean 'retained'?");
    try {
      call();
    } catch (e) {
      expect((e as ConfigError).option).toBe('retaned');
    }
  });

  it('accepts known keys and undefined', () => {
    expect(() => rejectUnknownOptions('x', { timeout: 1 }, ['timeout'])).not.toThrow();
    expect(() => rejectUnknownOptions('x', undefined, ['timeout'])).not.toThrow();
  });

  it('gives no hint when nothing is close', () => {
    expect(nearestName('format', ['redis', 'stream', 'maxLen'])).toBeUndefined();
    expect(nearestName('strem', ['redis', 'stream', 'maxLen'])).toBe('stream');
  });
});
