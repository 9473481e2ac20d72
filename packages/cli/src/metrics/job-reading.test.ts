import type { CheckpointHistoryEntry, CheckpointHistorySnapshot, JobStatus } from '@weir/core';
import { describe, expect, it } from 'vitest';
import { HistoryCursor, currentSamples, type JobReading, type Sample } from './job-reading.ts';
import { PrometheusMetrics } from './prometheus.ts';

const status = (over: Partial<JobStatus> = {}): JobStatus => ({
  jobName: 'etl',
  state: 'running',
  startedAt: 1_000_000,
  restarts: 0,
  lastFailure: undefined,
  exceptions: [],
  vertices: [
    { id: 'v0', name: 'Source -> parse', parallelism: 1, inputs: [], recordsIn: 0, recordsOut: 30, subtasks: [{ index: 0, thread: 1, recordsIn: 0, recordsOut: 30, busyMs: 0, backpressuredMs: 0, inputFill: 0, outputFill: 0, deadLetters: 0, lateRecordsDropped: 0 }] },
    {
      id: 'v1',
      name: 'count -> Sink',
      parallelism: 2,
      inputs: ['v0'],
      recordsIn: 30,
      recordsOut: 0,
      subtasks: [
        { index: 0, thread: 1, recordsIn: 10, recordsOut: 0, busyMs: 0, backpressuredMs: 0, inputFill: 0, outputFill: 0, deadLetters: 0, lateRecordsDropped: 0 },
        { index: 1, thread: 2, recordsIn: 20, recordsOut: 0, busyMs: 0, backpressuredMs: 0, inputFill: 0, outputFill: 0, deadLetters: 0, lateRecordsDropped: 0 },
      ],
    },
  ],
  threads: [{ thread: 1, utilization: 0.25, busyMs: 4000 }],
  ...over,
});

const entry = (id: number, over: Partial<CheckpointHistoryEntry> = {}): CheckpointHistoryEntry => ({
  checkpointId: id,
  run: 2,
  kind: 'checkpoint',
  status: 'completed',
  triggeredAt: id * 1000,
  durationMs: 40,
  stateSize: 2048,
  acknowledged: 3,
  subtaskCount: 3,
  lastAcknowledged: { taskKey: 'v1#1', ackDelayMs: 40 },
  alignmentMs: 5,
  syncMs: 1,
  asyncMs: 2,
  subtasks: ['v0#0', 'v1#0', 'v1#1'].map((taskKey, i) => ({ taskKey, alignmentMs: i, syncMs: 1, asyncMs: 2, stateSize: 10, ackDelayMs: 10 * (i + 1) })),
  ...over,
});

const reading = (history: Partial<CheckpointHistorySnapshot> = {}, over: Partial<JobStatus> = {}): JobReading => ({
  status: status(over),
  checkpoints: { counts: { completed: 3, failed: 1, inProgress: 1 }, latestCompleted: null, history: [] },
  history: { jobName: 'etl', run: 2, runs: [], checkpoints: [], failures: [], ...history },
});

const value = (samples: readonly Sample[], metric: Sample['metric'], labels: Record<string, string> = {}): number | undefined =>
  samples.find((s) => s.metric === metric && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;

describe('currentSamples', () => {
  it('reports records per subtask only where channels count them', () => {
    const samples = currentSamples(reading());
    expect(samples.filter((s) => s.metric === 'taskRecordsIn').map((s) => [s.labels.task, s.labels.subtask, s.value])).toEqual([
      ['v1', '0', 10],
      ['v1', '1', 20],
    ]);
    expect(samples.filter((s) => s.metric === 'taskRecordsOut').map((s) => [s.labels.task, s.value])).toEqual([['v0', 30]]);
    expect(value(samples, 'taskRecordsIn', { subtask: '1' })).toBe(20);
    expect(samples.every((s) => s.labels.job_name === 'etl')).toBe(true);
  });

  it('sets one job state to 1 and the others to 0', () => {
    const samples = currentSamples(reading({}, { state: 'restarting', restarts: 2 }));
    expect(samples.filter((s) => s.metric === 'jobState' && s.value === 1).map((s) => s.labels.state)).toEqual(['restarting']);
    expect(samples.filter((s) => s.metric === 'jobState')).toHaveLength(6);
    expect(value(samples, 'jobRestarts')).toBe(2);
  });

  it('leaves out source and sink figures where there are none, and reads them where there are', () => {
    const without = currentSamples(reading());
    for (const m of ['sourceLag', 'sourceProcessing', 'sinkCommits'] as const) expect(value(without, m), m).toBeUndefined();
    expect(value(without, 'taskBusy', { task: 'v0' })).toBe(0);
    const flowing = status();
    const v0 = flowing.vertices[0];
    const v1 = flowing.vertices[1];
    const withFigures = {
      ...flowing,
      vertices: [
        { ...v0, subtasks: [{ ...v0.subtasks[0], busyMs: 700, backpressuredMs: 2500, outputFill: 1, source: { lagRecords: 1234, processingRecords: 12 } }] },
        { ...v1, subtasks: [{ ...v1.subtasks[0], deadLetters: 3, lateRecordsDropped: 7, inputFill: 0.5, sink: { commits: 4, commitMs: 80, lastCommitMs: 15 } }, v1.subtasks[1]] },
      ],
      threads: [{ thread: 1, utilization: 0.25, busyMs: 4000 }],
    } as unknown as JobStatus;
    const samples = currentSamples({ ...reading(), status: withFigures });
    expect(value(samples, 'taskBackpressured', { task: 'v0' })).toBe(2.5);
    expect(value(samples, 'taskBusy', { task: 'v0' })).toBe(0.7);
    expect(value(samples, 'taskOutputFill', { task: 'v0' })).toBe(1);
    expect(value(samples, 'sourceLag', { task: 'v0', subtask: '0' })).toBe(1234);
    expect(value(samples, 'sourceProcessing', { task: 'v0' })).toBe(12);
    expect(value(samples, 'taskDeadLetters', { task: 'v1', subtask: '0' })).toBe(3);
    expect(value(samples, 'taskLateRecordsDropped', { task: 'v1', subtask: '0' })).toBe(7);
    expect(value(samples, 'taskLateRecordsDropped', { task: 'v1', subtask: '1' })).toBe(0);
    expect(value(samples, 'sinkCommitTime', { task: 'v1' })).toBe(0.08);
    expect(value(samples, 'sinkLastCommit', { task: 'v1' })).toBe(0.015);
    expect(value(samples, 'threadBusy', { thread: '1' })).toBe(4);
  });

  it("reads each thread's busy time and utilization", () => {
    const samples = currentSamples(reading({}, { threads: [{ thread: 0, utilization: 0.5, busyMs: 1500 }] }));
    expect(value(samples, 'threadBusy', { thread: '0' })).toBe(1.5);
    expect(value(samples, 'threadUtilization', { thread: '0' })).toBe(0.5);
  });

  it("takes the latest completed checkpoint from the history, per subtask only when it is this run's", () => {
    const history = { checkpoints: [entry(9, { status: 'failed', failureReason: 'expired' }), entry(8)] };
    const samples = currentSamples(reading(history));
    expect(value(samples, 'lastCheckpointId')).toBe(8);
    expect(value(samples, 'lastCheckpointTime')).toBe(8.04);
    expect(value(samples, 'lastCheckpointAckDelay', { task: 'v1', subtask: '1', task_name: 'count -> Sink' })).toBe(0.03);
    const older = currentSamples(reading({ checkpoints: [entry(8, { run: 1 })] }));
    expect(value(older, 'lastCheckpointId')).toBe(8);
    expect(value(older, 'lastCheckpointAckDelay')).toBeUndefined();
  });
});

describe('HistoryCursor', () => {
  it("observes each of this run's checkpoints and failures once, oldest first", () => {
    const cursor = new HistoryCursor();
    const first = cursor.next(reading({ checkpoints: [entry(5), entry(4), entry(3, { run: 1 })] }));
    expect(first.observe.filter((s) => s.metric === 'checkpointDuration')).toHaveLength(2);
    expect(first.observe.filter((s) => s.metric === 'checkpointAckDelay').map((s) => [s.labels.task, s.value])).toEqual([
      ['v0', 0.01],
      ['v1', 0.02],
      ['v1', 0.03],
      ['v0', 0.01],
      ['v1', 0.02],
      ['v1', 0.03],
    ]);
    const failures = [
      { run: 2, time: 20, message: 'b', operator: 'parse', operatorUid: 'parse', phase: 'processElement' },
      { run: 2, time: 10, message: 'a' },
      { run: 1, time: 5, message: 'old' },
    ];
    const second = cursor.next(reading({ checkpoints: [entry(6, { status: 'failed', failureReason: 'expired', subtasks: [] }), entry(5), entry(4)], failures }));
    expect(second.observe).toEqual([]);
    expect(second.add.map((s) => [s.metric, s.labels.reason ?? `${s.labels.operator}/${s.labels.phase}`])).toEqual([
      ['checkpointFailures', 'expired'],
      ['jobFailures', '/'],
      ['jobFailures', 'parse/processElement'],
    ]);
    expect(cursor.next(reading({ checkpoints: [entry(6), entry(5)], failures }))).toEqual({ observe: [], add: [] });
  });
});

describe('PrometheusMetrics', () => {
  it('renders the reading in the text format, counters set from their current value at each reading', async () => {
    const metrics = new PrometheusMetrics();
    metrics.update(reading({ checkpoints: [entry(4)] }));
    metrics.update(reading({ checkpoints: [entry(5), entry(4)] }));
    const text = await metrics.registry.metrics();
    expect(text).toContain('# TYPE weir_task_records_in_total counter');
    expect(text).toContain('weir_task_records_in_total{job_name="etl",task="v1",task_name="count -> Sink",subtask="1"} 20');
    expect(text).toContain('weir_checkpoint_duration_seconds_count{job_name="etl",kind="checkpoint"} 2');
    expect(text).toContain('weir_checkpoints_total{job_name="etl",status="failed"} 1');
    expect(text).toMatch(/^process_resident_memory_bytes \d+/m);
    expect(metrics.contentType).toMatch(/^text\/plain; version=0\.0\.4/);
  });
});
