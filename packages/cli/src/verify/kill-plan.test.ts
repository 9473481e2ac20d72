import { describe, expect, it } from 'vitest';
import { describeKill, planKill } from './kill-plan.ts';
import { seededRandom } from './seeded-random.ts';

const reference = { startupMs: 2000, activeMs: 10_000, checkpointsTriggered: 40 };

describe('planKill', () => {
  it('plans the same kills for the same seed', () => {
    const plan = (seed: number) => {
      const random = seededRandom(seed);
      return Array.from({ length: 5 }, () => planKill(random, reference, 5));
    };
    expect(plan(7)).toEqual(plan(7));
    expect(plan(7)).not.toEqual(plan(8));
  });

  it('keeps running kills within a share of the run, so that the attempts do not finish the job early', () => {
    const random = seededRandom(1);
    for (let i = 0; i < 500; i++) {
      const k = planKill(random, reference, 4);
      if (k.kind === 'running') expect(k.delayMs).toBeLessThan((reference.activeMs * 2) / 5);
      if (k.kind === 'start') expect(k.delayMs).toBeLessThan(reference.startupMs);
      if (k.kind === 'checkpoint') expect(k.checkpoint).toBeLessThanOrEqual(16);
    }
  });

  it('says where a kill lands', () => {
    expect(describeKill({ kind: 'checkpoint', checkpoint: 3, delayMs: 12 })).toBe('checkpoint 3 +12 ms');
    expect(describeKill({ kind: 'running', delayMs: 840 })).toBe('running +840 ms');
  });
});
