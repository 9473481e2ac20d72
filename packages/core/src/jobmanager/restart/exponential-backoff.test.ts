import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../util/config-error.ts';
import { exponentialBackoff } from './exponential-backoff.ts';

const boom = new Error('boom');
const noJitter = { jitter: 0 } as const;

describe('exponentialBackoff', () => {
  it('doubles the backoff from 1 s on every failure, up to 5 min, with Flink defaults', () => {
    const strategy = exponentialBackoff(noJitter)();
    const backoffs: number[] = [];
    for (let i = 0; i < 11; i++) {
      strategy.notifyFailure(boom, i * 1_000);
      backoffs.push(strategy.backoffMs());
    }
    expect(backoffs).toEqual([1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 64_000, 128_000, 256_000, 300_000, 300_000]);
    expect(strategy.canRestart()).toBe(true);
  });

  it('starts over from the initial backoff after a quiet period of the threshold plus the backoff', () => {
    const strategy = exponentialBackoff({ ...noJitter, initialBackoff: 100, resetBackoffThreshold: 10_000 })();
    strategy.notifyFailure(boom, 0);
    strategy.notifyFailure(boom, 100); // 200
    strategy.notifyFailure(boom, 300); // 400
    expect(strategy.backoffMs()).toBe(400);
    strategy.notifyFailure(boom, 300 + 10_399); // quiet, but not past threshold + backoff
    expect(strategy.backoffMs()).toBe(800);
    strategy.notifyFailure(boom, 10_699 + 10_800);
    expect(strategy.backoffMs()).toBe(100);
  });

  it('applies a jitter of up to ± jitter × backoff from the injected random', () => {
    const at = (random: number) => {
      const strategy = exponentialBackoff({ initialBackoff: 1_000, jitter: 0.1, random: () => random })();
      strategy.notifyFailure(boom, 0);
      return strategy.backoffMs();
    };
    expect([at(0), at(0.5), at(0.999_999)]).toEqual([900, 1_000, 1_100]);
  });

  it('stops restarting after attempts failures since the last reset, and allows them again after a reset', () => {
    const strategy = exponentialBackoff({ ...noJitter, attempts: 2, initialBackoff: 10, resetBackoffThreshold: 1_000 })();
    strategy.notifyFailure(boom, 0);
    strategy.notifyFailure(boom, 10);
    expect(strategy.canRestart()).toBe(true);
    strategy.notifyFailure(boom, 30);
    expect(strategy.canRestart()).toBe(false);
    strategy.notifyFailure(boom, 30 + 1_040);
    expect(strategy.canRestart()).toBe(true);
    expect(strategy.backoffMs()).toBe(10);
  });

  it('names the invalid option', () => {
    const cases: [string, Parameters<typeof exponentialBackoff>[0]][] = [
      ['initialBackoff', { initialBackoff: 0 }],
      ['maxBackoff', { initialBackoff: 5_000, maxBackoff: 1_000 }],
      ['multiplier', { multiplier: 1 }],
      ['jitter', { jitter: 1.5 }],
      ['resetBackoffThreshold', { resetBackoffThreshold: -1 }],
      ['attempts', { attempts: 0 }],
    ];
    for (const [option, options] of cases) {
      let error: unknown;
      try {
        exponentialBackoff(options);
      } catch (caught) {
        error = caught;
      }
      expect(error, option).toBeInstanceOf(ConfigError);
      expect(error, option).toMatchObject({ option, message: expect.stringContaining(`exponentialBackoff option '${option}'`) });
    }
  });

  it('describes itself with its options', () => {
    expect(exponentialBackoff()().description).toBe(
      'exponentialBackoff(initialBackoff=1000ms, maxBackoff=300000ms, multiplier=2, jitter=0.1, resetBackoffThreshold=3600000ms, attempts=Infinity)',
    );
  });
});
