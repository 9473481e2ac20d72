import { afterEach, describe, expect, it } from 'vitest';
import type { CheckpointConfigOptions } from './checkpoint-config.ts';
import type { CompletedCheckpoint } from './completed-checkpoint.ts';
import { CheckpointException } from './failure-reason.ts';
import { METRICS, coordinatorHarness, stateOf } from './testing/coordinator-harness.ts';
import { flushPromises } from './testing/manual-timer.ts';

let harness: ReturnType<typeof coordinatorHarness>;

afterEach(async () => {
  await harness.coordinator.stop();
  expect(harness.tasks.violations).toEqual([]);
});

/** How a triggered checkpoint ended: the completed checkpoint, or the error it was rejected with. */
interface Triggered {
  readonly outcome: Promise<CompletedCheckpoint | Error>;
}

/** Starts a harness (periodic triggers a minute apart, out of the way) and triggers one checkpoint. */
async function started(options: CheckpointConfigOptions = {}): Promise<Triggered> {
  harness = coordinatorHarness(60_000, options);
  harness.coordinator.start();
  return trigger();
}

/** Triggers a checkpoint and lets the sources be told; the outcome is wrapped so that awaiting this does not wait for it. */
async function trigger(): Promise<Triggered> {
  const outcome = harness.coordinator.triggerCheckpoint().catch((error: Error) => error);
  await flushPromises();
  return { outcome };
}

describe('CheckpointCoordinator failures', () => {
  it('aborts an expired checkpoint, discards its location and tells the tasks', async () => {
    const result = await started({ timeout: 5_000, tolerableFailures: 1 });
    const { pointer } = harness.tasks.locationOf(1);
    expect(harness.storage.has(pointer)).toBe(true);
    await harness.timer.advance(4_999);
    expect(harness.tasks.outcomeOf(1)).toBeUndefined();
    await harness.timer.advance(1);
    expect(harness.tasks.calls.at(-1)).toEqual({ call: 'aborted', checkpointId: 1, reason: 'expired' });
    expect(harness.storage.has(pointer)).toBe(false);
    const error = await result.outcome;
    expect(error).toBeInstanceOf(CheckpointException);
    expect(error).toMatchObject({ reason: 'expired', checkpointId: 1 });
    expect(harness.coordinator.stats.snapshot().history[0]).toMatchObject({ status: 'failed', failureReason: 'expired', durationMs: 5_000 });
  });

  it('aborts a declined checkpoint with the reason the task gives', async () => {
    const declined = await started({ tolerableFailures: 1 });
    harness.coordinator.acknowledge(1, 'v1#0', stateOf('v1#0'), METRICS);
    expect(harness.coordinator.decline(1, 'v2#0', 'declined-by-task', new Error('snapshot failed'))).toBe('aborted');
    expect(await declined.outcome).toMatchObject({ reason: 'declined-by-task' });
    expect(harness.tasks.calls.at(-1)).toEqual({ call: 'aborted', checkpointId: 1, reason: 'declined-by-task' });
    expect(harness.storage.pointers()).toEqual([]);
    expect(harness.coordinator.decline(1, 'v2#0')).toBe('discarded');
  });

  it('ignores a decline from a task the checkpoint does not wait for, or for a checkpoint it never triggered', async () => {
    await started();
    expect(harness.coordinator.decline(1, 'v9#0')).toBe('unknown');
    expect(harness.coordinator.decline(42, 'v1#0')).toBe('unknown');
    expect(harness.tasks.outcomeOf(1)).toBeUndefined();
  });

  it('answers an acknowledgement after abort with discarded', async () => {
    await started({ timeout: 100, tolerableFailures: 1 });
    await harness.timer.advance(100);
    expect(harness.coordinator.acknowledge(1, 'v1#0', stateOf('v1#0'), METRICS)).toBe('discarded');
  });

  it('answers a second acknowledgement with duplicate and one from an unknown task with unknown', async () => {
    await started();
    expect(harness.coordinator.acknowledge(1, 'v1#0', stateOf('v1#0'), METRICS)).toBe('ok');
    expect(harness.coordinator.acknowledge(1, 'v1#0', stateOf('v1#0'), METRICS)).toBe('duplicate');
    expect(harness.coordinator.acknowledge(1, 'v7#3', {}, METRICS)).toBe('unknown');
    expect(harness.coordinator.acknowledge(99, 'v1#0', {}, METRICS)).toBe('unknown');
  });

  it('fails the job on the first failed checkpoint when none is tolerable', async () => {
    const result = await started({ timeout: 100 });
    await harness.timer.advance(100);
    await result.outcome;
    expect(harness.failJobErrors).toHaveLength(1);
    expect(harness.failJobErrors[0]).toBeInstanceOf(CheckpointException);
    expect(harness.failJobErrors[0]).toMatchObject({ reason: 'expired', message: expect.stringMatching(/tolerable failure threshold \(0\)/) });
  });

  it('tolerates 3 consecutive failures and fails the job on the 4th', async () => {
    await started({ timeout: 100, tolerableFailures: 3 });
    for (let i = 1; i <= 4; i++) {
      if (i > 1) await trigger();
      expect(harness.failJobErrors).toHaveLength(0);
      await harness.timer.advance(100);
    }
    expect(harness.failJobErrors).toHaveLength(1);
  });

  it('starts counting failures again after a completed checkpoint', async () => {
    await started({ timeout: 100, tolerableFailures: 1 });
    await harness.timer.advance(100); // 1 fails
    const second = await trigger();
    harness.acknowledgeAll(2);
    await second.outcome;
    await trigger();
    await harness.timer.advance(100); // 3 fails: one consecutive failure only
    expect(harness.failJobErrors).toEqual([]);
    await trigger();
    await harness.timer.advance(100); // 4 fails: two in a row
    expect(harness.failJobErrors).toHaveLength(1);
  });

  it('does not count a decline for a newer barrier, nor a failed savepoint', async () => {
    await started();
    harness.coordinator.decline(1, 'v1#0', 'subsumed-by-newer-barrier');
    const savepoint = { outcome: harness.coordinator.triggerCheckpoint('savepoint', '/sp').catch((error: Error) => error) };
    await flushPromises();
    harness.coordinator.decline(2, 'v1#0', 'declined-by-task');
    expect(await savepoint.outcome).toMatchObject({ reason: 'declined-by-task' });
    expect(harness.failJobErrors).toEqual([]);
  });

  it('aborts a checkpoint whose finalize rejects: discarded, tasks told, not stored, counted', async () => {
    const result = await started();
    harness.storage.beforeFinalize = () => Promise.reject(new Error('rename failed'));
    harness.acknowledgeAll(1);
    const error = await result.outcome;
    await harness.coordinator.stop();
    expect(error).toMatchObject({ reason: 'finalize-failed', cause: expect.objectContaining({ message: 'rename failed' }) });
    expect(harness.tasks.outcomeOf(1)).toBe('aborted');
    expect(harness.store.all()).toEqual([]);
    expect(harness.storage.pointers()).toEqual([]);
    expect(harness.failJobErrors).toHaveLength(1);
  });

  it('aborts a checkpoint the store refuses to add, as a finalize failure', async () => {
    const result = await started({ tolerableFailures: 1 });
    harness.store.failNextAdd = new Error('store unavailable');
    harness.acknowledgeAll(1);
    expect(await result.outcome).toMatchObject({ reason: 'finalize-failed' });
    await harness.coordinator.stop();
    expect(harness.tasks.outcomeOf(1)).toBe('aborted');
    expect(harness.storage.pointers()).toEqual([]);
  });

  it('aborts checkpoints in progress on stop, without failing the job', async () => {
    const result = await started();
    await harness.coordinator.stop('job-cancelled');
    expect(await result.outcome).toMatchObject({ reason: 'job-cancelled' });
    expect(harness.tasks.calls.at(-1)).toEqual({ call: 'aborted', checkpointId: 1, reason: 'job-cancelled' });
    expect(harness.storage.pointers()).toEqual([]);
    expect(harness.timer.pendingTimers).toBe(0);
    expect(harness.failJobErrors).toEqual([]);
  });

  it('keeps the failure reason in the stats', async () => {
    await started({ tolerableFailures: 5 });
    harness.coordinator.decline(1, 'v1#1', 'task-failure');
    expect(harness.coordinator.stats.snapshot()).toMatchObject({
      counts: { completed: 0, failed: 1, inProgress: 0 },
      history: [{ checkpointId: 1, status: 'failed', failureReason: 'task-failure' }],
    });
  });

  it('discards a location that was still being created when the coordinator stopped', async () => {
    harness = coordinatorHarness(60_000);
    let create!: () => void;
    harness.storage.beforeCreateLocation = () => new Promise<void>((resolve) => (create = resolve));
    harness.coordinator.start();
    const outcome = harness.coordinator.triggerCheckpoint().catch((error: Error) => error);
    const stopped = harness.coordinator.stop();
    create();
    await stopped;
    expect(await outcome).toMatchObject({ reason: 'coordinator-shutdown' });
    expect(harness.storage.pointers()).toEqual([]);
    expect(harness.tasks.calls).toEqual([]);
  });
});

describe('CheckpointCoordinator and storage that never answers', () => {
  it('expires a savepoint whose location is never created, and triggers the next checkpoint', async () => {
    harness = coordinatorHarness(60_000, { timeout: 5_000, tolerableFailures: 5 });
    harness.coordinator.start();
    let hang = true;
    harness.storage.beforeCreateLocation = () => (hang ? new Promise<void>(() => {}) : Promise.resolve());
    const savepoint = harness.coordinator.triggerCheckpoint('savepoint', '/proc/sp').catch((e: Error) => e);
    await flushPromises();
    expect(harness.coordinator.pendingCount).toBe(1);
    await harness.timer.advance(5_000);
    expect(await savepoint).toMatchObject({ reason: 'expired', checkpointId: 1 });
    expect(harness.coordinator.pendingCount).toBe(0);

    hang = false;
    const next = await trigger();
    harness.acknowledgeAll(2);
    await flushPromises();
    expect(await next.outcome).toMatchObject({ checkpointId: 2 });
  });
});
