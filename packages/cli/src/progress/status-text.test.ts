import type { CheckpointStatsSnapshot, JobStatus } from '@weir/core';
import { describe, expect, it } from 'vitest';
import { recordTotals, statusText, type ProgressSample } from './status-text.ts';

const vertices = (sent: number, received: number): JobStatus['vertices'] => [
  { id: 'v0', name: 'Source', parallelism: 2, inputs: [], recordsIn: 0, recordsOut: sent, subtasks: [] },
  { id: 'v1', name: 'count -> Sink', parallelism: 2, inputs: ['v0'], recordsIn: received, recordsOut: 0, subtasks: [] },
];

const noCheckpoints: CheckpointStatsSnapshot = { counts: { completed: 0, failed: 0, inProgress: 0 }, latestCompleted: null, history: [] };

function sample(at: number, sent: number, received: number, checkpoints = noCheckpoints, restarts = 0): ProgressSample {
  return { at, status: { jobName: 'gen', state: 'running', startedAt: 0, restarts, lastFailure: undefined, exceptions: [], threads: [], vertices: vertices(sent, received) }, checkpoints };
}

describe('the status line', () => {
  it('counts records entering at the sources and leaving at the last tasks', () => {
    expect(recordTotals(sample(0, 500, 400).status)).toEqual({ in: 500, out: 400 });
    const chained: JobStatus = { ...sample(0, 0, 0).status, vertices: [{ id: 'v0', name: 'all', parallelism: 1, inputs: [], recordsIn: 0, recordsOut: 0, subtasks: [] }] };
    expect(recordTotals(chained)).toEqual({ in: undefined, out: undefined });
  });

  it('shows rates between two samples, the latest checkpoint and restarts', () => {
    const latest = { checkpointId: 14, kind: 'checkpoint', status: 'completed', triggeredAt: 64_000, durationMs: 12, stateSize: 0, subtasks: [] } as const;
    const checkpoints = { ...noCheckpoints, latestCompleted: latest };
    const text = statusText(sample(64_500, 10_000, 9_000), sample(65_000, 20_000, 19_000, checkpoints, 2), true);
    expect(text).toBe('gen running 1m05s | in 20.0k/s out 20.0k/s | chk 14 988 ms ago (12 ms) | restarts 2');
  });

  it('adds the lag readers report and the most backpressured task', () => {
    const subtask = (backpressuredMs: number, lagRecords?: number) => ({
      index: 0,
      thread: 0,
      recordsIn: 0,
      recordsOut: 0,
      busyMs: 0,
      backpressuredMs,
      inputFill: 0,
      outputFill: 0,
      deadLetters: 0,
      lateRecordsDropped: 0,
      ...(lagRecords === undefined ? {} : { source: { lagRecords } }),
    });
    const at = (ms: number, bp: number, lag: number): ProgressSample => {
      const s = sample(ms, 0, 0);
      const [v0, v1] = s.status.vertices;
      return { ...s, status: { ...s.status, vertices: [{ ...v0, subtasks: [subtask(0, lag)] }, { ...v1, subtasks: [subtask(bp)] }] } };
    };
    expect(statusText(at(1000, 0, 10), at(2000, 450, 12_345), false)).toBe('gen running 2.0 s | in 0/s out 0/s | lag 12.3k | bp 45% v1 | checkpoints off | restarts 0');
  });

  it('shows no rate across a restart, when the counters start again', () => {
    expect(statusText(sample(0, 10_000, 10_000), sample(500, 100, 100), false)).toBe('gen running 500 ms | in …/s out …/s | checkpoints off | restarts 0');
  });
});

describe('the status line in a narrow terminal', () => {
  it('uses shorter forms rather than cutting figures off', () => {
    const latest = { checkpointId: 14, kind: 'checkpoint', status: 'completed', triggeredAt: 64_000, durationMs: 12, stateSize: 0, subtasks: [] } as const;
    const checkpoints = { ...noCheckpoints, latestCompleted: latest };
    const wide = statusText(sample(64_500, 10_000, 9_000), sample(65_000, 20_000, 19_000, checkpoints, 2), true, 200);
    const narrow = statusText(sample(64_500, 10_000, 9_000), sample(65_000, 20_000, 19_000, checkpoints, 2), true, 72);
    const tiny = statusText(sample(64_500, 10_000, 9_000), sample(65_000, 20_000, 19_000, checkpoints, 2), true, 50);
    expect(wide).toBe('gen running 1m05s | in 20.0k/s out 20.0k/s | chk 14 988 ms ago (12 ms) | restarts 2');
    expect(narrow).toBe('gen running | in 20.0k/s out 20.0k/s | chk 14 988 ms ago | restarts 2');
    expect(tiny).toBe('running | 20.0k/s → 20.0k/s | chk 14 988 ms ago | ↻2');
  });
});
