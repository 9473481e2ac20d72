import { describe, expect, it } from 'vitest';
import { noRestart } from './no-restart.ts';

describe('noRestart', () => {
  it('never restarts', () => {
    const strategy = noRestart()();
    strategy.notifyFailure(new Error('boom'), 0);
    expect(strategy.canRestart()).toBe(false);
    expect(strategy.description).toBe('noRestart');
  });
});
