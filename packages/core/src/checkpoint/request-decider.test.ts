import { describe, expect, it } from 'vitest';
import { decideTrigger } from './request-decider.ts';

const paced = { minPause: 500, maxConcurrent: 1 };

describe('decideTrigger', () => {
  it('triggers the first checkpoint', () => {
    expect(decideTrigger({ origin: 'periodic', now: 0, lastCompletionTime: undefined, pendingCount: 0 }, paced)).toEqual({ kind: 'trigger' });
  });

  it('skips while maxConcurrent checkpoints are in progress', () => {
    const request = { now: 0, lastCompletionTime: undefined, pendingCount: 1 };
    expect(decideTrigger({ origin: 'periodic', ...request }, paced)).toEqual({ kind: 'skip', reason: 'too-many-concurrent' });
    expect(decideTrigger({ origin: 'manual', ...request }, paced)).toEqual({ kind: 'skip', reason: 'too-many-concurrent' });
    expect(decideTrigger({ origin: 'periodic', ...request, pendingCount: 2 }, { minPause: 0, maxConcurrent: 3 })).toEqual({ kind: 'trigger' });
  });

  it('makes a periodic checkpoint wait for the rest of minPause after the last one ended', () => {
    expect(decideTrigger({ origin: 'periodic', now: 1_200, lastCompletionTime: 1_000, pendingCount: 0 }, paced)).toEqual({ kind: 'wait', delayMs: 300 });
    expect(decideTrigger({ origin: 'periodic', now: 1_500, lastCompletionTime: 1_000, pendingCount: 0 }, paced)).toEqual({ kind: 'trigger' });
  });

  it('does not pace a checkpoint requested by hand by minPause', () => {
    expect(decideTrigger({ origin: 'manual', now: 1_001, lastCompletionTime: 1_000, pendingCount: 0 }, paced)).toEqual({ kind: 'trigger' });
  });

  it('always triggers a savepoint', () => {
    expect(decideTrigger({ origin: 'savepoint', now: 1_001, lastCompletionTime: 1_000, pendingCount: 5 }, paced)).toEqual({ kind: 'trigger' });
  });

  it('checks maxConcurrent before minPause', () => {
    expect(decideTrigger({ origin: 'periodic', now: 1_001, lastCompletionTime: 1_000, pendingCount: 1 }, paced)).toMatchObject({ kind: 'skip' });
  });
});
