import type { CheckpointHistoryEntry, CheckpointHistorySnapshot, CheckpointStatsSnapshot, JobState, JobStatus } from '@weir/core';
import type { MetricKey } from './metric-names.ts';

/**
 * A job's metrics as plain samples, computed when they are read (a scrape), from what its
 * `JobClient` reports: nothing runs on the record path. Independent of any metrics library, so
 * that another reporter (OpenTelemetry, StatsD) can send the same samples: `prometheus.ts` is the
 * one reporter today.
 */

/** What one reading of the job is made of: each taken once per scrape. */
export interface JobReading {
  readonly status: JobStatus;
  readonly checkpoints: CheckpointStatsSnapshot;
  readonly history: CheckpointHistorySnapshot;
}

export type Labels = Readonly<Record<string, string>>;

/** A value of a metric with its labels (`job_name` included). */
export interface Sample {
  readonly metric: MetricKey;
  readonly labels: Labels;
  readonly value: number;
}

const JOB_STATES: readonly JobState[] = ['initializing', 'running', 'restarting', 'finished', 'cancelled', 'failed'];

/**
 * The counters and gauges whose current value the reading holds (a counter's value since the
 * attempt, or the process, started).
 */
export function currentSamples(r: JobReading): Sample[] {
  const { status, checkpoints, history } = r;
  const job = { job_name: status.jobName };
  const out: Sample[] = [];
  const add = (metric: MetricKey, labels: Labels, value: number | undefined): void => {
    if (value !== undefined && Number.isFinite(value)) out.push({ metric, labels: { ...job, ...labels }, value });
  };
  for (const state of JOB_STATES) add('jobState', { state }, status.state === state ? 1 : 0);
  add('jobStartTime', {}, status.startedAt / 1000);
  add('jobRestarts', {}, status.restarts);

  // Records are counted at channels: none into a source task, none out of a task nobody reads.
  const read = new Set(status.vertices.flatMap((v) => v.inputs));
  for (const v of status.vertices) {
    const task = { task: v.id, task_name: v.name };
    add('taskParallelism', task, v.parallelism);
    for (const s of v.subtasks) {
      const labels = { ...task, subtask: String(s.index) };
      if (v.inputs.length > 0) add('taskRecordsIn', labels, s.recordsIn);
      if (read.has(v.id)) add('taskRecordsOut', labels, s.recordsOut);
      add('taskBusy', labels, seconds(s.busyMs));
      add('taskBackpressured', labels, seconds(s.backpressuredMs));
      add('taskInputFill', labels, s.inputFill);
      add('taskOutputFill', labels, s.outputFill);
      add('taskDeadLetters', labels, s.deadLetters);
      add('taskLateRecordsDropped', labels, s.lateRecordsDropped);
      add('sourceLag', labels, s.source?.lagRecords);
      add('sourceProcessing', labels, s.source?.processingRecords);
      if (s.sink !== undefined) {
        add('sinkCommits', labels, s.sink.commits);
        add('sinkCommitTime', labels, s.sink.commitMs / 1000);
        add('sinkLastCommit', labels, seconds(s.sink.lastCommitMs));
      }
    }
  }

  for (const t of status.threads) {
    const labels = { thread: String(t.thread) };
    add('threadUtilization', labels, t.utilization);
    add('threadBusy', labels, seconds(t.busyMs));
  }

  add('checkpoints', { status: 'completed' }, checkpoints.counts.completed);
  add('checkpoints', { status: 'failed' }, checkpoints.counts.failed);
  add('checkpointsInProgress', {}, checkpoints.counts.inProgress);

  const latest = history.checkpoints.find((c) => c.kind === 'checkpoint' && c.status === 'completed');
  if (latest !== undefined) {
    add('lastCheckpointId', {}, latest.checkpointId);
    add('lastCheckpointTime', {}, (latest.triggeredAt + latest.durationMs) / 1000);
    add('lastCheckpointDuration', {}, latest.durationMs / 1000);
    add('lastCheckpointSize', {}, latest.stateSize);
    // Per subtask only for this run: an earlier run's subtasks may not exist any more.
    if (latest.run === history.run) {
      for (const s of latest.subtasks ?? []) {
        const labels = subtaskLabels(s.taskKey, status);
        add('lastCheckpointAckDelay', labels, s.ackDelayMs / 1000);
        add('lastCheckpointAlignment', labels, s.alignmentMs / 1000);
      }
    }
  }
  return out;
}

/**
 * What happened since the previous reading, for histograms and for counters kept by adding:
 * checkpoints of this run that ended, and failures of this run. Remembers where it got to.
 */
export class HistoryCursor {
  #lastCheckpointId = -Infinity;
  #lastFailureTime = -Infinity;

  /** Histogram observations and counter increments since the previous call. */
  next(r: JobReading): { observe: Sample[]; add: Sample[] } {
    const { history, status } = r;
    const job = { job_name: status.jobName };
    const observe: Sample[] = [];
    const add: Sample[] = [];
    if (history.run === 0) return { observe, add };
    // Newest first: walk back to where the previous reading stopped, then replay oldest first.
    const ended: CheckpointHistoryEntry[] = [];
    for (const c of history.checkpoints) {
      if (c.run !== history.run) continue;
      if (c.checkpointId <= this.#lastCheckpointId) break;
      ended.push(c);
    }
    for (const c of ended.reverse()) {
      this.#lastCheckpointId = c.checkpointId;
      if (c.status === 'failed') {
        add.push({ metric: 'checkpointFailures', labels: { ...job, reason: c.failureReason ?? 'unknown' }, value: 1 });
        continue;
      }
      observe.push({ metric: 'checkpointDuration', labels: { ...job, kind: c.kind }, value: c.durationMs / 1000 });
      observe.push({ metric: 'checkpointSize', labels: { ...job, kind: c.kind }, value: c.stateSize });
      for (const s of c.subtasks ?? []) {
        const { subtask: _index, ...task } = subtaskLabels(s.taskKey, status);
        observe.push({ metric: 'checkpointAlignment', labels: task, value: s.alignmentMs / 1000 });
        observe.push({ metric: 'checkpointSync', labels: task, value: s.syncMs / 1000 });
        observe.push({ metric: 'checkpointAsync', labels: task, value: s.asyncMs / 1000 });
        observe.push({ metric: 'checkpointAckDelay', labels: task, value: s.ackDelayMs / 1000 });
      }
    }
    const failures = history.failures.filter((f) => f.run === history.run && f.time > this.#lastFailureTime).reverse();
    for (const f of failures) {
      this.#lastFailureTime = f.time;
      add.push({ metric: 'jobFailures', labels: { ...job, operator: f.operatorUid ?? '', phase: f.phase ?? '' }, value: 1 });
    }
    return { observe, add };
  }
}

/** `job_name`, `task`, `task_name` and `subtask` of a task key `<task id>#<subtask index>`. */
function subtaskLabels(taskKey: string, status: JobStatus): Labels {
  const hash = taskKey.lastIndexOf('#');
  const task = hash < 0 ? taskKey : taskKey.slice(0, hash);
  const name = status.vertices.find((v) => v.id === task)?.name ?? task;
  return { job_name: status.jobName, task, task_name: name, subtask: hash < 0 ? '' : taskKey.slice(hash + 1) };
}

function seconds(ms: number | undefined): number | undefined {
  return ms === undefined ? undefined : ms / 1000;
}
