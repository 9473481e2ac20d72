import { describe, expect, it } from 'vitest';
import { PendingCheckpoint, formatTaskKey, parseTaskKey } from './pending-checkpoint.ts';
import { METRICS, OPERATORS, TASK_KEYS, stateOf } from './testing/coordinator-harness.ts';

const location = { checkpointId: 4, kind: 'checkpoint', pointer: 'memory:job/chk-4' } as const;

function pending(kind: 'checkpoint' | 'savepoint' = 'checkpoint'): PendingCheckpoint {
  return new PendingCheckpoint({ checkpointId: 4, kind, triggeredAt: 100, location, taskKeys: TASK_KEYS });
}

function acknowledgeAll(checkpoint: PendingCheckpoint): void {
  for (const key of TASK_KEYS) checkpoint.acknowledge(key, stateOf(key), METRICS);
}

describe('PendingCheckpoint', () => {
  it('is fully acknowledged once every task it waits for acknowledged', () => {
    const checkpoint = pending();
    expect(checkpoint.acknowledge('v1#0', stateOf('v1#0'), METRICS)).toBe('ok');
    expect(checkpoint.acknowledge('v1#1', stateOf('v1#1'), METRICS)).toBe('ok');
    expect(checkpoint.isFullyAcknowledged).toBe(false);
    expect(checkpoint.acknowledge('v2#0', stateOf('v2#0'), METRICS)).toBe('ok');
    expect(checkpoint.isFullyAcknowledged).toBe(true);
  });

  it('answers a second acknowledgement of the same task with duplicate', () => {
    const checkpoint = pending();
    checkpoint.acknowledge('v1#0', stateOf('v1#0'), METRICS);
    expect(checkpoint.acknowledge('v1#0', stateOf('v1#0'), METRICS)).toBe('duplicate');
  });

  it('answers an acknowledgement from a task it does not wait for with unknown', () => {
    expect(pending().acknowledge('v9#0', {}, METRICS)).toBe('unknown');
  });

  it('answers every acknowledgement after abort with discarded', () => {
    const checkpoint = pending();
    checkpoint.acknowledge('v1#0', stateOf('v1#0'), METRICS);
    expect(checkpoint.abort('expired')).toBe(true);
    expect(checkpoint.acknowledge('v1#1', stateOf('v1#1'), METRICS)).toBe('discarded');
    expect(checkpoint.acknowledge('v1#0', stateOf('v1#0'), METRICS)).toBe('discarded');
    expect(checkpoint.acknowledge('v9#0', {}, METRICS)).toBe('discarded');
    expect(checkpoint).toMatchObject({ status: 'discarded', failureReason: 'expired', isDiscarded: true });
  });

  it('aborts once: a second abort changes nothing', () => {
    const checkpoint = pending();
    checkpoint.abort('declined-by-task');
    expect(checkpoint.abort('expired')).toBe(false);
    expect(checkpoint.failureReason).toBe('declined-by-task');
  });

  it('begins finalizing only when fully acknowledged, and cannot be aborted while finalizing', () => {
    const checkpoint = pending();
    expect(checkpoint.beginFinalize()).toBe(false);
    acknowledgeAll(checkpoint);
    expect(checkpoint.beginFinalize()).toBe(true);
    expect(checkpoint.abort('expired')).toBe(false);
    expect(checkpoint.canBeSubsumed).toBe(false);
    expect(checkpoint.markCompleted()).toBe(true);
    expect(checkpoint.status).toBe('completed');
  });

  it('is discarded with finalize-failed when finalizing fails', () => {
    const checkpoint = pending();
    acknowledgeAll(checkpoint);
    checkpoint.beginFinalize();
    expect(checkpoint.failFinalize()).toBe(true);
    expect(checkpoint).toMatchObject({ status: 'discarded', failureReason: 'finalize-failed' });
    expect(checkpoint.markCompleted()).toBe(false);
  });

  it('can be subsumed while collecting acknowledgements, unless it is a savepoint', () => {
    expect(pending().canBeSubsumed).toBe(true);
    expect(pending('savepoint').canBeSubsumed).toBe(false);
  });

  it('groups state per operator by the subtask index of the task key, listing operators without state', () => {
    const checkpoint = pending();
    acknowledgeAll(checkpoint);
    const states = checkpoint.toOperatorStates(OPERATORS);
    expect(states.map((s) => [s.uid, s.parallelism, s.subtasks.map((st) => st !== null)])).toEqual([
      ['src', 2, [true, true]],
      ['map', 2, [false, false]],
      ['sink', 1, [true]],
    ]);
    expect(states[0]).toMatchObject({ name: 'Source: numbers', maxParallelism: 128 });
    expect(states[0].subtasks[1]).toEqual(stateOf('v1#1').src);
  });

  it('refuses to group state of an operator it does not know', () => {
    const checkpoint = new PendingCheckpoint({ checkpointId: 1, kind: 'checkpoint', triggeredAt: 0, location, taskKeys: ['v1#0'] });
    checkpoint.acknowledge('v1#0', { ghost: {} }, METRICS);
    expect(() => checkpoint.toOperatorStates(OPERATORS)).toThrow(/unknown operator 'ghost'/);
  });

  it('refuses state for a subtask index beyond the operator parallelism', () => {
    const checkpoint = new PendingCheckpoint({ checkpointId: 1, kind: 'checkpoint', triggeredAt: 0, location, taskKeys: ['v2#3'] });
    checkpoint.acknowledge('v2#3', { sink: {} }, METRICS);
    expect(() => checkpoint.toOperatorStates(OPERATORS)).toThrow(/parallelism 1/);
  });
});

describe('task keys', () => {
  it('round-trip through format and parse, splitting at the last #', () => {
    expect(parseTaskKey(formatTaskKey('a#b', 3))).toEqual({ vertexId: 'a#b', subtaskIndex: 3 });
  });

  it.each(['nohash', 'v1#', 'v1#-1', 'v1#1.5', 'v1#x'])('rejects the malformed key %s', (key) => {
    expect(() => parseTaskKey(key)).toThrow(/malformed task key/);
  });
});
