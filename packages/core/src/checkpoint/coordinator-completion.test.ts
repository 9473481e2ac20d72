import { afterEach, describe, expect, it } from 'vitest';
import type { CheckpointConfigOptions } from './checkpoint-config.ts';
import type { CompletedCheckpoint } from './completed-checkpoint.ts';
import type { CheckpointMetadata } from './types.ts';
import { METRICS, OPERATORS, coordinatorHarness, stateOf } from './testing/coordinator-harness.ts';
import { flushPromises } from './testing/manual-timer.ts';

let harness: ReturnType<typeof coordinatorHarness>;

afterEach(async () => {
  await harness.coordinator.stop();
  expect(harness.tasks.violations).toEqual([]);
});

interface Triggered {
  readonly outcome: Promise<CompletedCheckpoint | Error>;
}

function setUp(options: CheckpointConfigOptions = {}): void {
  harness = coordinatorHarness(60_000, options);
  harness.coordinator.start();
}

/** Triggers a checkpoint (or savepoint) and lets the sources be told; awaiting this does not wait for the outcome. */
async function trigger(kind: 'checkpoint' | 'savepoint' = 'checkpoint'): Promise<Triggered> {
  const outcome = harness.coordinator.triggerCheckpoint(kind, kind === 'savepoint' ? '/savepoints' : undefined).catch((error: Error) => error);
  await flushPromises();
  return { outcome };
}

/** Makes `finalize` wait until the returned `release` is called, recording which ids reached it. */
function holdFinalize(): { readonly reached: number[]; release(): void } {
  const reached: number[] = [];
  const waiting: (() => void)[] = [];
  harness.storage.beforeFinalize = (location) => {
    reached.push(location.checkpointId);
    return new Promise<void>((resolve) => waiting.push(resolve));
  };
  return {
    reached,
    release: () => {
      harness.storage.beforeFinalize = () => Promise.resolve();
      for (const resolve of waiting.splice(0)) resolve();
    },
  };
}

describe('CheckpointCoordinator completion', () => {
  it('completes a fully acknowledged checkpoint: metadata written, stored, tasks told, promise resolved', async () => {
    setUp();
    const triggeredAt = harness.timer.now();
    const first = await trigger();
    await harness.timer.advance(250);
    expect(harness.acknowledgeAll(1)).toEqual(['ok', 'ok', 'ok']);
    const completed = await first.outcome;
    const expected: CheckpointMetadata = {
      version: 1,
      jobName: 'test-job',
      checkpointId: 1,
      triggeredAt,
      completedAt: triggeredAt + 250,
      kind: 'checkpoint',
      operators: [
        { ...OPERATORS[0], subtasks: [stateOf('v1#0').src, stateOf('v1#1').src] },
        { ...OPERATORS[1], subtasks: [null, null] },
        { ...OPERATORS[2], subtasks: [stateOf('v2#0').sink] },
      ],
    };
    expect(completed).toEqual({ checkpointId: 1, location: harness.tasks.locationOf(1), metadata: expected });
    expect(await harness.storage.readMetadata(harness.tasks.locationOf(1))).toEqual(expected);
    expect(harness.store.latest()).toEqual(completed);
    expect(harness.tasks.calls.at(-1)).toEqual({ call: 'complete', checkpointId: 1 });
    expect(harness.coordinator.stats.snapshot()).toMatchObject({
      counts: { completed: 1, failed: 0, inProgress: 0 },
      latestCompleted: { checkpointId: 1, status: 'completed', durationMs: 250, stateSize: 30 },
    });
  });

  it('completes only after finalize resolved', async () => {
    setUp();
    const gate = holdFinalize();
    const first = await trigger();
    let settled = false;
    void first.outcome.then(() => (settled = true));
    harness.acknowledgeAll(1);
    await flushPromises();
    expect(gate.reached).toEqual([1]);
    expect(harness.tasks.outcomeOf(1)).toBeUndefined();
    expect(harness.store.all()).toEqual([]);
    expect(settled).toBe(false);
    gate.release();
    expect(await first.outcome).toMatchObject({ checkpointId: 1 });
    expect(harness.tasks.outcomeOf(1)).toBe('completed');
  });

  it('does not let a timeout or a decline abort a checkpoint whose finalize is in progress', async () => {
    setUp({ timeout: 1_000 });
    const gate = holdFinalize();
    const first = await trigger();
    harness.acknowledgeAll(1);
    await harness.timer.advance(5_000);
    expect(harness.coordinator.decline(1, 'v1#0')).toBe('late');
    gate.release();
    expect(await first.outcome).toMatchObject({ checkpointId: 1 });
    expect(harness.tasks.outcomeOf(1)).toBe('completed');
  });

  it('keeps savepoints out of the completed checkpoint store', async () => {
    setUp();
    const savepoint = await trigger('savepoint');
    harness.acknowledgeAll(1);
    const completed = await savepoint.outcome;
    expect(completed).toMatchObject({ checkpointId: 1, location: { kind: 'savepoint' }, metadata: { kind: 'savepoint' } });
    expect(harness.store.added).toEqual([]);
    // Nor are tasks told: a savepoint must not commit output or release input.
    expect(harness.tasks.outcomeOf(1)).toBeUndefined();
  });

  it('aborts older pending checkpoints as subsumed when a newer one completes, without counting a failure', async () => {
    setUp({ maxConcurrent: 3 });
    const first = await trigger();
    const savepoint = await trigger('savepoint');
    const third = await trigger();
    harness.coordinator.acknowledge(1, 'v1#0', stateOf('v1#0'), METRICS);
    harness.acknowledgeAll(3);
    expect(await first.outcome).toMatchObject({ reason: 'subsumed' });
    expect(await third.outcome).toMatchObject({ checkpointId: 3 });
    expect(harness.tasks.outcomeOf(1)).toBe('aborted');
    expect(harness.tasks.outcomeOf(2)).toBeUndefined(); // a savepoint is never subsumed
    expect(harness.coordinator.acknowledge(1, 'v1#1', stateOf('v1#1'), METRICS)).toBe('discarded');
    harness.acknowledgeAll(2);
    expect(await savepoint.outcome).toMatchObject({ checkpointId: 2 });
    expect(harness.failJobErrors).toEqual([]);
  });

  it('finalizes one checkpoint at a time, in the order they were fully acknowledged', async () => {
    setUp({ maxConcurrent: 2 });
    const gate = holdFinalize();
    const first = await trigger();
    const second = await trigger();
    harness.acknowledgeAll(1);
    harness.acknowledgeAll(2);
    await flushPromises();
    expect(gate.reached).toEqual([1]);
    gate.release();
    await Promise.all([first.outcome, second.outcome]);
    expect(harness.store.added).toEqual([1, 2]);
    expect(harness.tasks.calls.filter((c) => c.call === 'complete').map((c) => c.checkpointId)).toEqual([1, 2]);
  });

  it('answers acknowledgements of a completed checkpoint with duplicate or unknown', async () => {
    setUp();
    const first = await trigger();
    harness.acknowledgeAll(1);
    await first.outcome;
    expect(harness.coordinator.acknowledge(1, 'v1#0', stateOf('v1#0'), METRICS)).toBe('duplicate');
    expect(harness.coordinator.acknowledge(1, 'v5#0', {}, METRICS)).toBe('unknown');
  });

  it('keeps the last retained checkpoints on storage and discards the ones they subsume', async () => {
    setUp({ retained: 2 });
    for (let id = 1; id <= 4; id++) {
      const next = await trigger();
      harness.acknowledgeAll(id);
      await next.outcome;
    }
    expect(harness.store.all().map((c) => c.checkpointId)).toEqual([3, 4]);
    expect(harness.storage.pointers()).toEqual([harness.tasks.locationOf(3).pointer, harness.tasks.locationOf(4).pointer]);
  });

  it('lets a finalization in progress finish on stop', async () => {
    setUp();
    const gate = holdFinalize();
    const first = await trigger();
    harness.acknowledgeAll(1);
    await flushPromises();
    const stopped = harness.coordinator.stop();
    gate.release();
    await stopped;
    expect(await first.outcome).toMatchObject({ checkpointId: 1 });
    expect(harness.tasks.outcomeOf(1)).toBe('completed');
  });
});
