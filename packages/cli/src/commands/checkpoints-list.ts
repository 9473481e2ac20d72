import { relative } from 'node:path';
import { parseArgs } from '../args/parse-args.ts';
import { scanCheckpoints, type JobCheckpoints } from '../checkpoints/scan.ts';
import { formatBytes, formatDuration, formatTable } from '../progress/format.ts';
import type { Command } from './command.ts';

export const checkpointsListCommand: Command = {
  name: 'checkpoints list',
  summary: 'list the checkpoints in a directory and verify every byte',
  usage: `usage: weir checkpoints list DIR [--json]

Lists the checkpoints and savepoints in DIR (a job's checkpoint directory such as checkpoints/my-job,
or a checkpoint root holding one per job): id, time, size, duration, and whether it is complete,
damaged (a file missing or failing its checksum: every state handle is read) or incomplete.
  --json    one JSON array of { jobDir, checkpoints: [{ id, kind, path, status, problem?, time,
            durationMs?, sizeBytes, handles? }] }`,
  async run(args) {
    const { positionals, options } = parseArgs(args, { json: { type: 'flag' } }, ['DIR']);
    const jobs = await scanCheckpoints(positionals[0]);
    process.stdout.write(options.json === true ? `${JSON.stringify(jobs, null, 2)}\n` : `${jobs.map(describe).join('\n\n')}\n`);
    return 0;
  },
};

function describe(job: JobCheckpoints): string {
  const where = relative(process.cwd(), job.jobDir) || '.';
  if (job.checkpoints.length === 0) return `${where}: no checkpoints`;
  const rows = [['ID', 'KIND', 'TIME', 'SIZE', 'DURATION', 'STATUS']];
  for (const c of job.checkpoints) {
    rows.push([
      String(c.id),
      c.kind,
      new Date(c.time).toISOString(),
      formatBytes(c.sizeBytes),
      c.durationMs === undefined ? '-' : formatDuration(c.durationMs),
      c.problem === undefined ? c.status : `${c.status}: ${c.problem}`,
    ]);
  }
  return `${where}\n${formatTable(rows)}`;
}
