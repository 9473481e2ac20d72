import { describe, expect, it } from 'vitest';
import { CheckpointFailureManager, countsAsFailure } from './failure-manager.ts';
import { CHECKPOINT_FAILURE_REASONS } from './failure-reason.ts';

describe('CheckpointFailureManager', () => {
  it('fails the job on the first failure when none is tolerable', () => {
    expect(new CheckpointFailureManager(0).onFailure('expired')).toBe('fail-job');
  });

  it('tolerates 3 consecutive failures and fails the job on the 4th', () => {
    const manager = new CheckpointFailureManager(3);
    const outcomes = ['expired', 'declined-by-task', 'storage-write-failed', 'finalize-failed'].map((reason) =>
      manager.onFailure(reason as 'expired'),
    );
    expect(outcomes).toEqual(['tolerate', 'tolerate', 'tolerate', 'fail-job']);
  });

  it('resets the count on success', () => {
    const manager = new CheckpointFailureManager(1);
    expect(manager.onFailure('expired')).toBe('tolerate');
    manager.onSuccess();
    expect(manager.consecutiveFailures).toBe(0);
    expect(manager.onFailure('expired')).toBe('tolerate');
    expect(manager.onFailure('expired')).toBe('fail-job');
  });

  it('starts counting over after failing the job', () => {
    const manager = new CheckpointFailureManager(0);
    expect(manager.onFailure('expired')).toBe('fail-job');
    expect(manager.consecutiveFailures).toBe(0);
  });

  it('does not count cancellation, shutdown, subsumption, task failure or refused triggers', () => {
    const manager = new CheckpointFailureManager(0);
    for (const reason of ['job-cancelled', 'coordinator-shutdown', 'subsumed', 'subsumed-by-newer-barrier', 'task-failure', 'too-many-concurrent', 'source-not-ready'] as const) {
      expect(manager.onFailure(reason)).toBe('tolerate');
    }
    expect(manager.consecutiveFailures).toBe(0);
  });

  it('counts exactly expired, declined, storage, encode and finalize failures', () => {
    expect(CHECKPOINT_FAILURE_REASONS.filter(countsAsFailure)).toEqual(['expired', 'declined-by-task', 'storage-write-failed', 'snapshot-encode-failed', 'finalize-failed']);
  });

  it('never counts a failed savepoint', () => {
    const manager = new CheckpointFailureManager(0);
    expect(manager.onFailure('expired', 'savepoint')).toBe('tolerate');
    expect(manager.consecutiveFailures).toBe(0);
  });
});
