import type { CheckpointStatsSnapshot, JobStatus } from '@weir/core';
import { parseArgs } from '../args/parse-args.ts';
import { CONNECT_OPTIONS, CONNECT_USAGE, connect } from '../control/connect.ts';
import { formatBytes, formatCount, formatDuration, formatTable } from '../progress/format.ts';
import type { Command } from './command.ts';

const OPTIONS = { ...CONNECT_OPTIONS, json: { type: 'flag' } } as const;

type JobAnswer = JobStatus & { readonly pid: number; readonly uptimeMs: number };

export const statusCommand: Command = {
  name: 'status',
  summary: "show a running job's state, tasks and checkpoints",
  usage: `usage: weir status JOB [--json]

Shows the running job JOB: state, uptime, restarts, its tasks with parallelism and records in/out,
and its latest checkpoints.
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
  lines.push('');
  const rows = [['TASK', 'PARALLELISM', 'RECORDS IN', 'RECORDS OUT', 'NAME']];
  const read = new Set(job.vertices.flatMap((v) => v.inputs));
  for (const v of job.vertices) {
    // A source task reads no channel, a sink task writes none: nothing to count there.
    const recordsIn = v.inputs.length === 0 ? '-' : formatCount(v.recordsIn);
    const recordsOut = read.has(v.id) ? formatCount(v.recordsOut) : '-';
    rows.push([v.id, String(v.parallelism), recordsIn, recordsOut, v.name]);
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
