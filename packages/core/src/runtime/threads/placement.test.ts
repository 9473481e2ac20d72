import { describe, expect, it } from 'vitest';
import type { ExecutionVertex } from '../../graph/execution-graph.ts';
import { placeSubtasks, usefulWorkers } from './placement.ts';

const subtask = (vertex: string, i: number, parallelism: number): ExecutionVertex =>
  ({ taskKey: `${vertex}#${i}`, subtaskIndex: i, vertex: { id: vertex, parallelism } }) as unknown as ExecutionVertex;

describe('placeSubtasks', () => {
  it('spreads the subtasks of a task over the workers and keeps subtask i of every task together', () => {
    const subtasks = [subtask('v0', 0, 2), subtask('v0', 1, 2), subtask('v1', 0, 4), subtask('v1', 1, 4), subtask('v1', 2, 4), subtask('v1', 3, 4)];
    expect(Object.fromEntries(placeSubtasks(subtasks, 2))).toEqual({ 'v0#0': 1, 'v0#1': 2, 'v1#0': 1, 'v1#1': 2, 'v1#2': 1, 'v1#3': 2 });
  });

  it('uses no more workers than the widest task has subtasks', () => {
    expect(usefulWorkers([subtask('v0', 0, 1), subtask('v1', 0, 1)], 8)).toBe(1);
    expect(usefulWorkers([subtask('v0', 0, 3)], 2)).toBe(2);
  });
});
