import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../util/config-error.ts';
import { fixedDelay } from './fixed-delay.ts';

const boom = new Error('boom');

describe('fixedDelay', () => {
  it('restarts attempts times after delay each, and fails the job on the next failure', () => {
    const strategy = fixedDelay({ attempts: 3, delay: 10_000 })();
    const answers: [boolean, number][] = [];
    for (let i = 0; i < 4; i++) {
      strategy.notifyFailure(boom, i * 1_000);
      answers.push([strategy.canRestart(), strategy.backoffMs()]);
    }
    expect(answers).toEqual([
      [true, 10_000],
      [true, 10_000],
      [true, 10_000],
      [false, 10_000],
    ]);
    expect(strategy.description).toBe('fixedDelay(attempts=3, delay=10000ms)');
  });

  it('gives each job its own count', () => {
    const factory = fixedDelay({ attempts: 1, delay: 0 });
    const first = factory();
    first.notifyFailure(boom, 0);
    first.notifyFailure(boom, 1);
    expect(first.canRestart()).toBe(false);
    expect(factory().canRestart()).toBe(true);
  });

  it('names the invalid option', () => {
    expect(() => fixedDelay({ attempts: 0, delay: 1 })).toThrow(ConfigError);
    expect(() => fixedDelay({ attempts: 0, delay: 1 })).toThrow("fixedDelay option 'attempts' must be a positive integer or Infinity, got 0");
    expect(() => fixedDelay({ attempts: 1, delay: -5 })).toThrow(expect.objectContaining({ option: 'delay' }));
  });
});
