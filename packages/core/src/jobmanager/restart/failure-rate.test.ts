import { describe, expect, it } from 'vitest';
import { failureRate } from './failure-rate.ts';

const boom = new Error('boom');

describe('failureRate', () => {
  it('restarts up to maxFailures times within an interval, after delay each', () => {
    const strategy = failureRate({ maxFailures: 3, interval: 60_000, delay: 5_000 })();
    const answers = [0, 10_000, 20_000, 30_000].map((at) => {
      strategy.notifyFailure(boom, at);
      return strategy.canRestart();
    });
    expect(answers).toEqual([true, true, true, false]);
    expect(strategy.backoffMs()).toBe(5_000);
  });

  it('forgets failures older than the interval', () => {
    const strategy = failureRate({ maxFailures: 2, interval: 1_000, delay: 0 })();
    for (const at of [0, 500, 1_000, 1_500, 2_000, 2_500]) {
      strategy.notifyFailure(boom, at);
      expect(strategy.canRestart(), `at ${at}`).toBe(true);
    }
    strategy.notifyFailure(boom, 2_600);
    expect(strategy.canRestart()).toBe(false);
  });

  it('allows one restart per interval with maxFailures 1', () => {
    const strategy = failureRate({ maxFailures: 1, interval: 1_000, delay: 0 })();
    strategy.notifyFailure(boom, 0);
    expect(strategy.canRestart()).toBe(true);
    strategy.notifyFailure(boom, 999);
    expect(strategy.canRestart()).toBe(false);
  });

  it('names the invalid option', () => {
    expect(() => failureRate({ maxFailures: 0, interval: 1, delay: 0 })).toThrow(expect.objectContaining({ option: 'maxFailures' }));
    expect(() => failureRate({ maxFailures: 1, interval: 0, delay: 0 })).toThrow(expect.objectContaining({ option: 'interval' }));
    expect(() => failureRate({ maxFailures: 1, interval: 1, delay: 0.5 })).toThrow("failureRate option 'delay' must be a non-negative integer (milliseconds), got 0.5");
  });
});
