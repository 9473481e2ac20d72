import { readFile, readdir } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join, relative, resolve } from 'node:path';
import {
  CHECKPOINT_HISTORY_RECORD,
  decodeCheckpointHistory,
  failureMessage,
  type CheckpointHistoryEntry,
  type CheckpointHistoryRecord,
  type RunEntry,
} from '@weir/core';
import { parseArgs } from '../args/parse-args.ts';
import { isProcessRunning } from '../control/control-file.ts';
import { CliError, UsageError } from '../errors.ts';
import { formatBytes, formatDuration, formatTable } from '../progress/format.ts';
import type { Command } from './command.ts';
import { weirRedis } from '../weir-redis.ts';

const OPTIONS = {
  job: { type: 'string' },
  prefix: { type: 'string' },
  limit: { type: 'integer', min: 0 },
  checkpoint: { type: 'integer', min: 0 },
  run: { type: 'integer', min: 1 },
  json: { type: 'flag' },
} as const;

/** Checkpoints listed unless `--limit` says otherwise. */
const DEFAULT_LIMIT = 50;

/** The history file of a job directory (the file system storage's job record). */
const HISTORY_FILE = `_${CHECKPOINT_HISTORY_RECORD}`;

export const checkpointsHistoryCommand: Command = {
  name: 'checkpoints history',
  summary: "a job's checkpoints, failures and runs across restarts and crashes",
  usage: `usage: weir checkpoints history DIR [options]
       weir checkpoints history REDIS_URL --job NAME [--prefix P] [options]

Prints the checkpoint history a job keeps beside its checkpoints (DIR/${HISTORY_FILE}, or a key
in Redis): its runs (and how each ended: a run killed or crashed says so), its last 1,000
checkpoints and savepoints, completed or failed, with duration, size, the longest alignment and
the subtask that acknowledged last, and the failures that restarted it. DIR is a job's checkpoint
directory (checkpoints/my-job) or a checkpoint root holding one per job. Changes nothing.
  --checkpoint ID   one checkpoint's subtasks: acknowledgement delay, alignment, sync and async
                    parts, size (the newest 100 checkpoints keep these details)
  --run R           with --checkpoint: the checkpoint of run R (ids start over after --fresh)
  --limit N         checkpoints listed, newest first (default ${DEFAULT_LIMIT}; 0: all)
  --job NAME        the job, for a Redis URL (redis://[user:password@]host:port[/db])
  --prefix P        the Redis storage's key prefix, when the job set one
  --json            the history as stored: { version, jobName, updatedAt, runs, checkpoints, failures },
                    oldest first (an array of them for a checkpoint root)`,
  async run(args) {
    const { positionals, options } = parseArgs(args, OPTIONS, ['DIR']);
    const source = positionals[0];
    const histories = /^rediss?:\/\//.test(source) ? [await fromRedis(source, options.job, options.prefix)] : await fromDirectory(source);
    if (options.run !== undefined && options.checkpoint === undefined) throw new UsageError('--run goes with --checkpoint ID');
    if (options.json === true) {
      const records = histories.map((h) => h.record);
      process.stdout.write(`${JSON.stringify(records.length === 1 ? records[0] : records, null, 2)}\n`);
      return 0;
    }
    if (options.checkpoint !== undefined) {
      if (histories.length > 1) throw new UsageError(`${source} holds several jobs: name one job's directory with --checkpoint`);
      process.stdout.write(`${describeCheckpoint(histories[0], options.checkpoint, options.run)}\n`);
      return 0;
    }
    const limit = options.limit === 0 ? Infinity : (options.limit ?? DEFAULT_LIMIT);
    process.stdout.write(`${histories.map((h) => describe(h, limit)).join('\n\n')}\n`);
    return 0;
  },
};

/** A history and where it was read from. */
interface Located {
  readonly where: string;
  readonly record: CheckpointHistoryRecord;
}

async function fromDirectory(dir: string): Promise<Located[]> {
  const root = resolve(dir);
  const own = await readHistoryFile(root);
  if (own !== undefined) return [own];
  let entries: string[];
  try {
    entries = (await readdir(root, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name).sort();
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new CliError(`${dir} does not exist`, 2);
    if (code === 'ENOTDIR') throw new CliError(`${dir} is not a directory`, 2);
    throw e;
  }
  const found: Located[] = [];
  for (const name of entries) {
    const history = await readHistoryFile(join(root, name));
    if (history !== undefined) found.push(history);
  }
  if (found.length === 0) {
    throw new CliError(`no checkpoint history in ${dir}: a job that checkpoints to a directory keeps it as <dir>/<job>/${HISTORY_FILE} once it has run`, 1);
  }
  return found;
}

async function readHistoryFile(jobDir: string): Promise<Located | undefined> {
  let bytes: Buffer;
  try {
    bytes = await readFile(join(jobDir, HISTORY_FILE));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw e;
  }
  const record = decodeCheckpointHistory(bytes);
  if (record === undefined) throw new CliError(`${join(jobDir, HISTORY_FILE)} is not a Weir checkpoint history`, 1);
  return { where: relative(process.cwd(), jobDir) || '.', record };
}

async function fromRedis(url: string, job: string | undefined, prefix: string | undefined): Promise<Located> {
  if (job === undefined) throw new UsageError('a Redis URL needs --job NAME');
  const { RedisCheckpointStorage } = await weirRedis();
  const storage = new RedisCheckpointStorage({ redis: url, jobName: job, ...(prefix === undefined ? {} : { prefix }) });
  try {
    const bytes = await storage.readJobRecord(CHECKPOINT_HISTORY_RECORD);
    if (bytes === undefined) throw new CliError(`no checkpoint history for job '${job}' in ${storage.description}`, 1);
    const record = decodeCheckpointHistory(bytes);
    if (record === undefined) throw new CliError(`the checkpoint history of job '${job}' in ${storage.description} is damaged`, 1);
    return { where: storage.description, record };
  } finally {
    await storage.close();
  }
}

function describe({ where, record }: Located, limit: number): string {
  const { runs, checkpoints, failures } = record;
  const completed = checkpoints.filter((c) => c.status === 'completed').length;
  const lines = [
    `${where}: job '${record.jobName}', ${plural(runs.length, 'run')}, ${plural(checkpoints.length, 'checkpoint')} (${completed} completed, ${checkpoints.length - completed} failed), ${plural(failures.length, 'failure')}`,
    '',
  ];
  const runRows = [['RUN', 'PID', 'HOST', 'STARTED', 'ENDED', 'OUTCOME', 'STARTED FROM']];
  for (const r of runs) runRows.push([String(r.run), String(r.pid), r.host, time(r.startedAt), r.endedAt === undefined ? '-' : time(r.endedAt), outcome(r, runs), startedFrom(r)]);
  lines.push(formatTable(runRows), '');

  if (checkpoints.length === 0) lines.push('no checkpoint has ended yet');
  else {
    const rows = [['ID', 'RUN', 'KIND', 'STATUS', 'TRIGGERED', 'DURATION', 'SIZE', 'ALIGNMENT', 'LAST ACKNOWLEDGED']];
    const shown = [...checkpoints].reverse().slice(0, limit);
    const tasks = new Map(runs.map((r) => [r.run, r.tasks]));
    for (const c of shown) {
      rows.push([
        String(c.checkpointId),
        String(c.run),
        c.kind,
        c.status === 'failed' ? `failed: ${c.failureReason ?? '?'}` : c.status,
        time(c.triggeredAt),
        formatDuration(c.durationMs),
        formatBytes(c.stateSize),
        formatMs(c.alignmentMs),
        lastAcknowledged(c, tasks.get(c.run)),
      ]);
    }
    lines.push(formatTable(rows));
    if (shown.length < checkpoints.length) lines.push(`(${checkpoints.length - shown.length} older: --limit 0 lists all)`);
    const failed = shown.filter((c) => c.status === 'failed');
    for (const reason of new Set(failed.map((c) => c.failureReason))) {
      if (reason !== undefined) lines.push(`  ${reason}: ${failureMessage(reason)}`);
    }
  }
  if (failures.length > 0) {
    lines.push('', 'failures, newest first:');
    for (const f of [...failures].reverse()) {
      // An operator's failure names the operator in its message already.
      const named = f.operator === undefined || f.message.includes(`'${f.operator}'`);
      const where = named ? '' : ` in '${f.operator}' subtask ${(f.subtask ?? 0) + 1}${f.phase === undefined ? '' : ` (${f.phase})`}`;
      const then =
        f.restoredCheckpointId === undefined ? '' : f.restoredCheckpointId === null ? '; restarted from the beginning' : `; restarted from checkpoint ${f.restoredCheckpointId}`;
      lines.push(`  ${time(f.time)} run ${f.run}${where}: ${f.message}${then}`);
    }
  }
  return lines.join('\n');
}

function describeCheckpoint({ record }: Located, id: number, run: number | undefined): string {
  const entry = [...record.checkpoints].reverse().find((c) => c.checkpointId === id && (run === undefined || c.run === run));
  if (entry === undefined) throw new CliError(`no checkpoint ${id}${run === undefined ? '' : ` in run ${run}`} in the history of job '${record.jobName}'`, 1);
  const tasks = record.runs.find((r) => r.run === entry.run)?.tasks;
  const reason = entry.failureReason === undefined ? '' : ` (${entry.failureReason}: ${failureMessage(entry.failureReason)})`;
  const lines = [
    `${entry.kind} ${entry.checkpointId} of run ${entry.run}: ${entry.status}${reason}`,
    `triggered ${time(entry.triggeredAt)}, took ${formatDuration(entry.durationMs)}, ${formatBytes(entry.stateSize)}; ${entry.acknowledged} of ${entry.subtaskCount} subtasks acknowledged`,
  ];
  if (entry.lastAcknowledged !== undefined) lines.push(`last to acknowledge: ${lastAcknowledged(entry, tasks)}`);
  if (entry.missing !== undefined && entry.missing.length > 0) {
    lines.push(`never acknowledged: ${entry.missing.map((k) => subtaskName(k, tasks)).join(', ')}`);
  }
  if (entry.subtasks === undefined) {
    lines.push('', 'per-subtask details are kept for the newest 100 checkpoints only');
    return lines.join('\n');
  }
  const rows = [['SUBTASK', 'TASK', 'ACKNOWLEDGED AFTER', 'ALIGNMENT', 'SYNC', 'ASYNC', 'SIZE']];
  for (const s of [...entry.subtasks].sort((a, b) => b.ackDelayMs - a.ackDelayMs)) {
    rows.push([s.taskKey, taskOf(s.taskKey, tasks), formatMs(s.ackDelayMs), formatMs(s.alignmentMs), formatMs(s.syncMs), formatMs(s.asyncMs), formatBytes(s.stateSize)]);
  }
  lines.push('', formatTable(rows));
  return lines.join('\n');
}

function outcome(run: RunEntry, runs: readonly RunEntry[]): string {
  if (run.outcome === 'lost') return 'killed or crashed';
  if (run.outcome !== undefined) return run.outcome;
  // No end recorded yet: still running, or died since the history was last written.
  const alive = run.host === hostname() && isProcessRunning(run.pid);
  return alive && run === runs.at(-1) ? 'running' : 'no end recorded';
}

function startedFrom(run: RunEntry): string {
  const parts: string[] = [];
  if (run.fresh === true) parts.push('--fresh');
  if (run.fromCheckpoint !== undefined) parts.push(run.fromCheckpoint);
  if (run.restoredCheckpointId === null) parts.push('nothing');
  else if (run.restoredCheckpointId !== undefined) parts.push(`checkpoint ${run.restoredCheckpointId}`);
  return parts.join(', ') || '-';
}

function lastAcknowledged(c: CheckpointHistoryEntry, tasks: RunEntry['tasks'] | undefined): string {
  if (c.lastAcknowledged === undefined) return '-';
  return `${subtaskName(c.lastAcknowledged.taskKey, tasks)} after ${formatMs(c.lastAcknowledged.ackDelayMs)}`;
}

/** `v1#0` → `v1#0 (count -> sink 1/2)`. */
function subtaskName(taskKey: string, tasks: RunEntry['tasks'] | undefined): string {
  const task = taskOf(taskKey, tasks);
  return task === '' ? taskKey : `${taskKey} (${task})`;
}

/** `v1#0` → `count -> sink 1/2`; empty when the run's tasks are not known. */
function taskOf(taskKey: string, tasks: RunEntry['tasks'] | undefined): string {
  const [task, index] = taskKey.split('#');
  const info = tasks?.[task];
  return info === undefined ? '' : `${info.name} ${Number(index) + 1}/${info.parallelism}`;
}

/** Sub-millisecond precision below 10 ms (alignment and sync parts are often that short). */
function formatMs(ms: number): string {
  if (ms >= 10 || Number.isInteger(ms)) return formatDuration(ms);
  return `${ms.toFixed(1)} ms`;
}

function time(ms: number): string {
  return new Date(ms).toISOString();
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
