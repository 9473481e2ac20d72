import type { CheckpointStatsSnapshot, JobStatus } from '@weir/core';
import { flowText, taskFlows } from '../metrics/task-flows.ts';
import { formatDuration, formatRate } from './format.ts';

/** What the progress line is drawn from: the job's status and checkpoint stats at one moment. */
export interface ProgressSample {
  /** Wall-clock ms. */
  readonly at: number;
  readonly status: JobStatus;
  readonly checkpoints: CheckpointStatsSnapshot;
}

/**
 * Records entering the job (sent by source tasks) and leaving it (taken in by the tasks at the
 * end of the graph); `undefined` where the graph does not count them (a task chained from source
 * to sink moves records by plain calls, never through a channel).
 */
export function recordTotals(status: JobStatus): { in: number | undefined; out: number | undefined } {
  const read = new Set(status.vertices.flatMap((v) => v.inputs));
  const sources = status.vertices.filter((v) => v.inputs.length === 0 && read.has(v.id));
  const sinks = status.vertices.filter((v) => !read.has(v.id) && v.inputs.length > 0);
  return {
    in: sources.length === 0 ? undefined : sources.reduce((n, v) => n + v.recordsOut, 0),
    out: sinks.length === 0 ? undefined : sinks.reduce((n, v) => n + v.recordsIn, 0),
  };
}

function rate(now: number | undefined, before: number | undefined, seconds: number): string {
  if (now === undefined) return '-';
  // Counters restart with each attempt: a drop means a restart, not negative throughput.
  if (before === undefined || now < before || seconds <= 0) return '…';
  return formatRate((now - before) / seconds);
}

/**
 * The one-line status `weir run` keeps at the bottom of a terminal, e.g.
 * `gen running 1m05s | in 20.0k/s out 19.9k/s | chk 14 412 ms ago (12 ms) | restarts 0`.
 * When that is wider than `width`, shorter forms of the parts are used, least useful first (the
 * uptime, the checkpoint's duration, the words), so that a narrow terminal still gets every figure
 * rather than a line cut off in the middle.
 */
export function statusText(previous: ProgressSample | undefined, now: ProgressSample, checkpointing: boolean, width = Infinity): string {
  const { status } = now;
  const totals = recordTotals(status);
  const before = previous === undefined ? undefined : recordTotals(previous.status);
  const seconds = previous === undefined ? 0 : (now.at - previous.at) / 1000;
  const inRate = rate(totals.in, before?.in, seconds);
  const outRate = rate(totals.out, before?.out, seconds);
  const latest = now.checkpoints.latestCompleted;
  const age = latest === null ? 0 : now.at - (latest.triggeredAt + latest.durationMs);
  const checkpoint = (full: boolean): string => {
    if (!checkpointing) return full ? 'checkpoints off' : 'chk off';
    if (latest === null) return 'no chk yet';
    return full
      ? `chk ${latest.checkpointId} ${formatDuration(age)} ago (${formatDuration(latest.durationMs)})`
      : `chk ${latest.checkpointId} ${formatDuration(age)} ago`;
  };
  const failed = status.lastFailure === undefined || status.state === 'running' ? '' : ` (${status.lastFailure.message})`;
  // Lag (where readers report it) and the most backpressured task, e.g. `lag 12.3k | bp 45% v1`.
  const flow = flowText(taskFlows(previous?.status, status, seconds), formatRate);
  const withFlow = (parts: string[]): string[] => (flow === undefined ? parts : [...parts.slice(0, 2), flow, ...parts.slice(2)]);
  const forms = [
    withFlow([`${status.jobName} ${status.state} ${formatDuration(now.at - status.startedAt)}`, `in ${inRate}/s out ${outRate}/s`, checkpoint(true), `restarts ${status.restarts}${failed}`]),
    withFlow([`${status.jobName} ${status.state}`, `in ${inRate}/s out ${outRate}/s`, checkpoint(true), `restarts ${status.restarts}${failed}`]),
    withFlow([`${status.jobName} ${status.state}`, `in ${inRate}/s out ${outRate}/s`, checkpoint(false), `restarts ${status.restarts}`]),
    [status.state, `${inRate}/s → ${outRate}/s`, checkpoint(false), `↻${status.restarts}`],
  ].map((parts) => parts.join(' | '));
  return forms.find((f) => f.length <= width) ?? forms[forms.length - 1];
}
