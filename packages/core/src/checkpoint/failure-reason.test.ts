import { describe, expect, it } from 'vitest';
import { CHECKPOINT_FAILURE_REASONS, CheckpointException, failureMessage } from './failure-reason.ts';

describe('checkpoint failure reasons', () => {
  it('gives every reason a distinct, non-empty message', () => {
    const messages = CHECKPOINT_FAILURE_REASONS.map(failureMessage);
    expect(messages.every((m) => m.length > 0)).toBe(true);
    expect(new Set(messages).size).toBe(messages.length);
  });

  it('lists the reasons the protocol names', () => {
    expect(CHECKPOINT_FAILURE_REASONS).toEqual(
      expect.arrayContaining(['expired', 'declined-by-task', 'subsumed-by-newer-barrier', 'task-failure', 'storage-write-failed',
        'finalize-failed', 'job-cancelled', 'too-many-concurrent', 'coordinator-shutdown', 'source-not-ready']),
    );
  });

  it('carries the reason, its message and the cause in a CheckpointException', () => {
    const cause = new Error('disk full');
    const error = new CheckpointException('storage-write-failed', { checkpointId: 7, cause });
    expect(error).toBeInstanceOf(Error);
    expect(error).toMatchObject({ name: 'CheckpointException', reason: 'storage-write-failed', checkpointId: 7, cause });
    expect(error.message).toBe(failureMessage('storage-write-failed'));
  });

  it('lets a CheckpointException say more than the reason message', () => {
    expect(new CheckpointException('expired', { message: 'too slow' }).message).toBe('too slow');
  });
});
