import { describe, expect, it } from 'vitest';
import { ValidatingTaskGateway } from './validating-task-gateway.ts';

const location = { checkpointId: 1, kind: 'checkpoint', pointer: 'memory:job/chk-1' } as const;

describe('ValidatingTaskGateway', () => {
  it('accepts trigger then complete for a finalized checkpoint', () => {
    const gateway = new ValidatingTaskGateway(() => true);
    gateway.triggerSources(1, 0, 'checkpoint', location);
    gateway.notifyComplete(1);
    expect(gateway.violations).toEqual([]);
  });

  it('flags a completion before the metadata is durable', () => {
    const gateway = new ValidatingTaskGateway(() => false);
    gateway.triggerSources(1, 0, 'checkpoint', location);
    gateway.notifyComplete(1);
    expect(gateway.violations).toEqual(['checkpoint 1 completed before its metadata was durable']);
  });

  it('flags a checkpoint both completed and aborted, and one ended without a trigger', () => {
    const gateway = new ValidatingTaskGateway(() => true);
    gateway.triggerSources(1, 0, 'checkpoint', location);
    gateway.notifyComplete(1);
    gateway.notifyAborted(1, 'expired');
    gateway.notifyAborted(2, 'expired');
    expect(gateway.violations).toEqual(['checkpoint 1 aborted after it was already completed', 'checkpoint 2 aborted but never triggered']);
  });
});
