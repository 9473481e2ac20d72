import type { CheckpointStatsSnapshot, JobStatus } from '@weir/core';
import { parseArgs } from '../args/parse-args.ts';
import { CONNECT_OPTIONS, CONNECT_USAGE, connect } from '../control/connect.ts';
import { taskFlows } from '../metrics/task-flows.ts';
import { formatBytes, formatCount, formatDuration, formatTable } from '../progress/format.ts';
import type { Command } from './command.ts';

const OPTIONS = { ...CONNECT_OPTIONS, json: { type: 'flag' } } as const;

type JobAnswer = JobStatus & { readonly pid: number; readonly uptimeMs: number };

export const statusCommand: Command = {
  name: 'status',
  summary: "show a running job's state, tasks and checkpoints",
  usage: `usage: weir status JOB [--json]

Shows the running job JOB: state, uptime, restarts and the last failures, how busy each thread is,
its tasks with parallelism, the threads their subtasks run on and records in/out, and its latest
checkpoints.
  --json                 print { job, checkpoints } as JSON
${CONNECT_USAGE}`,
  async run(args) {
    const { positionals, options } = parseArgs(args, OPTIONS, ['JOB']);
    const client = await connect(positionals[0], options);
    const job = await client.get<JobAnswer>('/job');
    const checkpoints = await client.get<CheckpointStatsSnapshot>('/checkpoints');
    process.stdout.write(options.json === true ? `${JSON.stringify({ job, checkpoints }, null, 2)}\n` : `${describe(job, checkpoints)}\n`);
    return 0;
  },
};

function describe(job: JobAnswer, checkpoints: CheckpointStatsSnapshot): string {
  const lines = [`job '${job.jobName}' ${job.state} for ${formatDuration(job.uptimeMs)} (pid ${job.pid}), restarts ${job.restarts}`];
  // Why it restarted: the failures, newest first (Flink's exception history).
  for (const f of (job.exceptions ?? []).slice(0, 3)) {
    const where = f.operator === undefined ? '' : ` in '${f.operator}' subtask ${(f.subtask ?? 0) + 1}${f.phase === undefined ? '' : ` (${f.phase})`}`;
    lines.push(`  failed ${new Date(f.time).toISOString()}${where}: ${f.message}`);
  }
  const threads = job.threads ?? [];
  if (threads.length > 0) {
    const busy = threads.map((t) => `${t.thread === 0 ? 'main' : `worker ${t.thread}`} ${Math.round(t.utilization * 100)}%`);
    lines.push(`threads (busy): ${busy.join(', ')}`);
  }
  lines.push('');
  const rows = [['TASK', 'PARALLELISM', 'THREADS', 'RECORDS IN', 'RECORDS OUT', 'LAG', 'DEAD LETTERS', 'NAME']];
  const flows = new Map(taskFlows(undefined, job, 0).map((f) => [f.task, f]));
  const read = new Set(job.vertices.flatMap((v) => v.inputs));
  for (const v of job.vertices) {
    // A source task reads no channel, a sink task writes none: nothing to count there.
    const recordsIn = v.inputs.length === 0 ? '-' : formatCount(v.recordsIn);
    const recordsOut = read.has(v.id) ? formatCount(v.recordsOut) : '-';
    const onThreads = [...new Set((v.subtasks ?? []).map((s) => (s.thread === 0 ? 'main' : String(s.thread))))].join(',') || '-';
    const flow = flows.get(v.id);
    // Lag only where the source's readers report a backlog (Redis lists and streams do).
    const lag = flow?.lagRecords === undefined ? '-' : formatCount(flow.lagRecords);
    rows.push([v.id, String(v.parallelism), onThreads, recordsIn, recordsOut, lag, formatCount(flow?.deadLetters ?? 0), v.name]);
  }
  lines.push(formatTable(rows), '');
  const { counts, history } = checkpoints;
  lines.push(`checkpoints: ${counts.completed} completed, ${counts.failed} failed, ${counts.inProgress} in progress`);
  for (const c of history.slice(0, 5)) {
    const reason = c.failureReason === undefined ? '' : ` (${c.failureReason})`;
    lines.push(`  ${c.kind} ${c.checkpointId}: ${c.status}${reason}, ${new Date(c.triggeredAt).toISOString()}, ${formatDuration(c.durationMs)}, ${formatBytes(c.stateSize)}`);
  }
  return lines.join('\n');
}
