import type { JobStatus } from '@weir/core';
import { describe, expect, it } from 'vitest';
import { flowText, taskFlows } from './task-flows.ts';

function job(figures: { backpressuredMs?: number; busyMs?: number; lag?: number; deadLetters?: number }[]): JobStatus {
  return {
    jobName: 'etl',
    state: 'running',
    startedAt: 0,
    restarts: 0,
    lastFailure: undefined,
    exceptions: [],
    threads: [],
    vertices: [
      {
        id: 'v0',
        name: 'Source',
        parallelism: figures.length,
        inputs: [],
        recordsIn: 0,
        recordsOut: 0,
        subtasks: figures.map((f, index) => ({
          index,
          thread: 0,
          recordsIn: 0,
          recordsOut: 0,
          busyMs: f.busyMs ?? 0,
          backpressuredMs: f.backpressuredMs ?? 0,
          inputFill: 0,
          outputFill: 0,
          deadLetters: f.deadLetters ?? 0,
          lateRecordsDropped: 0,
          ...(f.lag === undefined ? {} : { source: { lagRecords: f.lag } }),
        })),
      },
    ],
  };
}

describe('taskFlows', () => {
  it('leaves out lag where no reader reports it, and backpressure under 1%', () => {
    expect(taskFlows(job([{}]), job([{}]), 1)).toEqual([{ task: 'v0', deadLetters: 0, backpressured: 0, busy: 0 }]);
    expect(flowText(taskFlows(job([{}]), job([{ backpressuredMs: 5 }]), 1), String)).toBeUndefined();
  });

  it('sums lag and dead letters, and takes the most backpressured subtask between two readings', () => {
    const before = job([{ backpressuredMs: 1000, busyMs: 0, lag: 10, deadLetters: 1 }, { backpressuredMs: 0, busyMs: 0, lag: 5, deadLetters: 0 }]);
    const after = job([{ backpressuredMs: 1500, busyMs: 200, lag: 100, deadLetters: 2 }, { backpressuredMs: 100, busyMs: 900, lag: 50, deadLetters: 0 }]);
    expect(taskFlows(before, after, 1)).toEqual([{ task: 'v0', lagRecords: 150, backpressured: 0.5, busy: 0.9, deadLetters: 2 }]);
    expect(flowText(taskFlows(before, after, 1), String)).toBe('lag 150 | bp 50% v0');
  });

  it('gives no share after a restart (counters that went down) or without a previous reading', () => {
    const before = job([{ backpressuredMs: 5000 }]);
    const after = job([{ backpressuredMs: 100 }]);
    expect(taskFlows(before, after, 1)[0].backpressured).toBeUndefined();
    expect(taskFlows(undefined, after, 1)[0].backpressured).toBeUndefined();
  });
});
