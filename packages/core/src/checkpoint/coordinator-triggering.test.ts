import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { CheckpointLogger } from './coordinator.ts';
import { CheckpointException } from './failure-reason.ts';
import { coordinatorHarness } from './testing/coordinator-harness.ts';
import { flushPromises } from './testing/manual-timer.ts';

let harness: ReturnType<typeof coordinatorHarness>;

afterEach(async () => {
  await harness.coordinator.stop();
  expect(harness.tasks.violations).toEqual([]);
});

/** Trigger times of every checkpoint, relative to the start of the test. */
function triggerTimes(start: number): number[] {
  return harness.tasks.calls.flatMap((c) => (c.call === 'trigger' ? [c.triggeredAt - start] : []));
}

describe('CheckpointCoordinator triggering', () => {
  it('triggers the first periodic checkpoint one interval after start, and none before start', async () => {
    harness = coordinatorHarness(1_000);
    await harness.timer.advance(5_000);
    expect(harness.tasks.triggeredIds).toEqual([]);
    harness.coordinator.start();
    await harness.timer.advance(999);
    expect(harness.tasks.triggeredIds).toEqual([]);
    await harness.timer.advance(1);
    expect(harness.tasks.triggeredIds).toEqual([1]);
  });

  it('triggers every interval while checkpoints complete', async () => {
    harness = coordinatorHarness(1_000);
    harness.tasks.onTrigger = (id) => queueMicrotask(() => harness.acknowledgeAll(id));
    const start = harness.timer.now();
    harness.coordinator.start();
    await harness.timer.advance(3_000);
    expect(triggerTimes(start)).toEqual([1_000, 2_000, 3_000]);
    expect(harness.store.added).toEqual([1, 2, 3]);
  });

  it('skips a periodic trigger while maxConcurrent checkpoints are in progress', async () => {
    harness = coordinatorHarness(1_000, { maxConcurrent: 2 });
    harness.coordinator.start();
    await harness.timer.advance(4_000);
    expect(harness.tasks.triggeredIds).toEqual([1, 2]);
    expect(harness.coordinator.pendingCount).toBe(2);
    harness.acknowledgeAll(2); // completes 2 and subsumes 1
    await harness.timer.advance(1_000);
    expect(harness.tasks.triggeredIds).toEqual([1, 2, 3]);
  });

  it('waits out minPause after a checkpoint completed before the next periodic trigger', async () => {
    harness = coordinatorHarness(1_000, { minPause: 800 });
    const start = harness.timer.now();
    harness.coordinator.start();
    await harness.timer.advance(1_500);
    harness.acknowledgeAll(1); // completes at 1 500
    await harness.timer.advance(1_000);
    expect(triggerTimes(start)).toEqual([1_000, 2_300]);
    harness.acknowledgeAll(2); // completes at 2 500
    await harness.timer.advance(1_000);
    expect(triggerTimes(start)).toEqual([1_000, 2_300, 3_300]);
  });

  it('waits out minPause after an aborted checkpoint too', async () => {
    harness = coordinatorHarness(1_000, { minPause: 900, timeout: 200, tolerableFailures: 10 });
    const start = harness.timer.now();
    harness.coordinator.start();
    await harness.timer.advance(2_000); // 1 expires at 1 200
    expect(triggerTimes(start)).toEqual([1_000]);
    await harness.timer.advance(100);
    expect(triggerTimes(start)).toEqual([1_000, 2_100]);
  });

  it('refuses a checkpoint before start with source-not-ready and after stop with coordinator-shutdown', async () => {
    harness = coordinatorHarness();
    await expect(harness.coordinator.triggerCheckpoint()).rejects.toMatchObject({ reason: 'source-not-ready' });
    harness.coordinator.start();
    await harness.coordinator.stop();
    await expect(harness.coordinator.triggerCheckpoint()).rejects.toMatchObject({ reason: 'coordinator-shutdown' });
    expect(() => harness.coordinator.start()).toThrow(/cannot be started again/);
    expect(harness.tasks.calls).toEqual([]);
    expect(harness.failJobErrors).toEqual([]);
  });

  it('refuses a requested checkpoint while maxConcurrent are in progress, without counting a failure', async () => {
    harness = coordinatorHarness();
    harness.coordinator.start();
    void harness.coordinator.triggerCheckpoint().catch(() => {});
    const refused = harness.coordinator.triggerCheckpoint();
    await expect(refused).rejects.toBeInstanceOf(CheckpointException);
    await expect(refused).rejects.toMatchObject({ reason: 'too-many-concurrent' });
    expect(harness.failJobErrors).toEqual([]);
  });

  it('does not pace a requested checkpoint by minPause', async () => {
    harness = coordinatorHarness(1_000, { minPause: 60_000 });
    harness.coordinator.start();
    const first = harness.coordinator.triggerCheckpoint();
    await flushPromises();
    harness.acknowledgeAll(1);
    await first;
    const second = harness.coordinator.triggerCheckpoint();
    await flushPromises();
    harness.acknowledgeAll(2);
    expect((await second).checkpointId).toBe(2);
  });

  it('triggers a savepoint into its own location even while a checkpoint is in progress', async () => {
    harness = coordinatorHarness();
    harness.coordinator.start();
    void harness.coordinator.triggerCheckpoint().catch(() => {});
    const savepoint = harness.coordinator.triggerCheckpoint('savepoint', '/savepoints');
    await flushPromises();
    expect(harness.tasks.calls).toMatchObject([{ call: 'trigger', kind: 'checkpoint' }, { call: 'trigger', kind: 'savepoint' }]);
    expect(harness.tasks.locationOf(2)).toMatchObject({ kind: 'savepoint', pointer: expect.stringContaining('/savepoints/') });
    harness.acknowledgeAll(2);
    expect((await savepoint).metadata.kind).toBe('savepoint');
  });

  it('refuses a savepoint without a target directory', async () => {
    harness = coordinatorHarness();
    harness.coordinator.start();
    await expect(harness.coordinator.triggerCheckpoint('savepoint')).rejects.toThrow(TypeError);
  });

  it('creates the location before it tells the sources, and passes the trigger time', async () => {
    harness = coordinatorHarness();
    const seen: boolean[] = [];
    harness.tasks.onTrigger = (_id, _kind, location) => seen.push(harness.storage.has(location.pointer));
    harness.coordinator.start();
    void harness.coordinator.triggerCheckpoint().catch(() => {});
    await flushPromises();
    expect(seen).toEqual([true]);
    expect(harness.tasks.calls[0]).toMatchObject({ call: 'trigger', checkpointId: 1, triggeredAt: harness.timer.now() });
  });

  it('fails a checkpoint whose location cannot be created with storage-write-failed, telling no task', async () => {
    harness = coordinatorHarness();
    harness.storage.beforeCreateLocation = () => Promise.reject(new Error('disk full'));
    harness.coordinator.start();
    await expect(harness.coordinator.triggerCheckpoint()).rejects.toMatchObject({ reason: 'storage-write-failed' });
    expect(harness.tasks.calls).toEqual([]);
    expect(harness.coordinator.pendingCount).toBe(0);
    expect(harness.failJobErrors).toHaveLength(1);
  });

  it('aborts with the reason a source gives when it cannot be triggered', async () => {
    harness = coordinatorHarness();
    harness.tasks.onTrigger = () => {
      throw new CheckpointException('source-not-ready');
    };
    harness.coordinator.start();
    await expect(harness.coordinator.triggerCheckpoint()).rejects.toMatchObject({ reason: 'source-not-ready' });
    expect(harness.tasks.outcomeOf(1)).toBe('aborted');
    expect(harness.storage.pointers()).toEqual([]);
    expect(harness.failJobErrors).toEqual([]);
  });

  it('stops triggering and leaves no timer behind on stop', async () => {
    harness = coordinatorHarness(1_000);
    harness.coordinator.start();
    await harness.coordinator.stop();
    await harness.timer.advance(10_000);
    expect(harness.tasks.triggeredIds).toEqual([]);
    expect(harness.timer.pendingTimers).toBe(0);
  });

  it('logs every line of a checkpoint through a child logger bound to its id', async () => {
    harness = coordinatorHarness();
    harness.coordinator.start();
    const done = harness.coordinator.triggerCheckpoint();
    await flushPromises();
    harness.acknowledgeAll(1);
    await done;
    const lines = harness.logger.lines.filter((line) => line.bindings.checkpointId === 1);
    expect(lines.map((line) => line.msg)).toEqual(expect.arrayContaining(['checkpoint triggered', 'checkpoint completed']));
    expect(lines.every((line) => line.bindings.component === 'checkpoint')).toBe(true);
  });

  it('accepts a pino logger', () => {
    harness = coordinatorHarness();
    const logger: CheckpointLogger = pino({ level: 'silent' });
    expect(() => logger.child({ component: 'checkpoint', checkpointId: 1 }).info({ a: 1 }, 'line')).not.toThrow();
  });
});
