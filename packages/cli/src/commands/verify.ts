import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { parseArgs } from '../args/parse-args.ts';
import { UsageError } from '../errors.ts';
import { jobNameOf } from '../job/load-job-file.ts';
import { outputsMatch } from '../verify/compare-output.ts';
import { formatReport } from '../verify/format-report.ts';
import { freshSeed } from '../verify/seeded-random.ts';
import { parseOutputStream } from '../verify/stream-output.ts';
import { activeRuns, verifyJob, type OutputSpec } from '../verify/verify-job.ts';
import type { Command } from './command.ts';

const OPTIONS = {
  kills: { type: 'integer', min: 1, max: 1000 },
  seed: { type: 'integer', min: 0, max: 2 ** 32 - 1 },
  'output-dir': { type: 'string' },
  'output-stream': { type: 'string' },
  parallelism: { type: 'integer', min: 1 },
  'checkpoint-interval': { type: 'integer', min: 10 },
  'job-name': { type: 'string' },
  'work-dir': { type: 'string' },
  keep: { type: 'flag' },
  timeout: { type: 'integer', min: 1 },
  show: { type: 'integer', min: 0 },
  json: { type: 'flag' },
} as const;

const SAFE_NAME = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,150}$/;

export const verifyCommand: Command = {
  name: 'verify',
  summary: 'run a job uninterrupted and under random SIGKILLs; compare what each committed',
  usage: `usage: weir verify FILE --kills N [options]

Runs the job FILE twice with 'weir run' and compares what the runs committed: once uninterrupted (the
reference), and once killed with SIGKILL N times at random moments (while it starts or restores,
while records flow, just after a checkpoint was triggered), started again each time with the same
command, then run to its end. Exactly-once output means the same records, each as often. Prints the
seed, the kills (and how many checkpoints each killed attempt had completed) and every record the
killed run lost or wrote twice. Kill points are spread over the uninterrupted run's length; if the
job finishes before a kill lands, the report says how many landed. Exit code 0 when the outputs
match, 1 when they do not or a run failed, 2 for a usage error.

The job must end on its own: bounded sources (fromCollection, generatorSource({ count })). During
verify, WEIR_VERIFY is 'reference' or 'killed', so a job that reads Redis can read a bounded
generator instead.

Each run works in its own directory (<work dir>/reference, <work dir>/killed), its working
directory: checkpoints go to <run dir>/checkpoints, and relative paths in the job, such as
fileSink({ directory: './out' }), land there. WEIR_VERIFY_DIR holds that directory. Read input by
absolute path or relative to the job file (new URL('./data.csv', import.meta.url)).

What is compared (one of):
  (default)                 every line of every part-* file (fileSink output) below the run's
                            directory, checkpoints left out; one line is one record
  --output-dir DIR          the part files below DIR only (relative: as the job names it)
  --output-stream URL       the entries a run adds to a Redis stream: redis://host:port[/db]/stream.
                            The runs are sequential; nothing else may write the stream meanwhile.
                            Afterwards the entries the runs added, and their sinks' stage, commit
                            and fence keys (prefix weir), are deleted, unless --keep.
Options:
  --kills N                 SIGKILLs during the killed run (required)
  --seed S                  seed of the kill points (default: a new one; printed either way)
  --parallelism N           passed to both runs
  --checkpoint-interval MS  passed to both runs (default: the job's own); kills test most when
                            checkpoints complete between them
  --job-name NAME           base of the runs' job names (default: FILE's base name)
  --work-dir DIR            where the run directories go (default: a new temporary directory)
  --keep                    keep the work directory (and stream entries) when the outputs match;
                            it is always kept when they do not
  --timeout S               longest one run may take, in seconds (default 600)
  --show N                  differing records printed per kind (default 20)
  --json                    the report as one JSON object`,
  async run(args) {
    const { positionals, options: o } = parseArgs(args, OPTIONS, ['FILE']);
    const file = resolve(positionals[0]);
    if (o.kills === undefined) throw new UsageError('missing --kills N: how many times to kill the run');
    if (o['output-dir'] !== undefined && o['output-stream'] !== undefined) throw new UsageError('--output-dir and --output-stream conflict: compare one output');
    if (o['output-dir'] !== undefined && isAbsolute(o['output-dir'])) {
      throw new UsageError(`--output-dir must be relative (each run has its own directory), got ${o['output-dir']}`);
    }
    const output: OutputSpec =
      o['output-stream'] !== undefined ? { kind: 'stream', spec: parseOutputStream(o['output-stream']) } : { kind: 'files', dir: o['output-dir'] };
    const jobName = o['job-name'] ?? jobNameOf(positionals[0]);
    if (!SAFE_NAME.test(jobName)) throw new UsageError(`job name '${jobName}' must be a safe file name ([A-Za-z0-9_][A-Za-z0-9._-]*): pass --job-name`);
    const workDir = o['work-dir'] === undefined ? await mkdtemp(join(tmpdir(), `weir-verify-${jobName}-`)) : resolve(o['work-dir']);
    if (o['work-dir'] !== undefined && (await readdir(workDir).catch(() => [])).length > 0) throw new UsageError(`--work-dir ${workDir} is not empty`);
    const seed = o.seed ?? freshSeed();
    const say = (line: string): void => void process.stderr.write(`weir: ${line}\n`);
    const stopOnSignal = (): void => {
      for (const run of activeRuns) run.kill();
      process.exit(130);
    };
    process.once('SIGINT', stopOnSignal);
    process.once('SIGTERM', stopOnSignal);
    let passed = false;
    try {
      say(`verifying ${positionals[0]}: seed ${seed}, ${o.kills} kill${o.kills === 1 ? '' : 's'}`);
      const report = await verifyJob({
        file,
        jobName,
        kills: o.kills,
        seed,
        output,
        parallelism: o.parallelism,
        checkpointInterval: o['checkpoint-interval'],
        workDir,
        timeoutMs: (o.timeout ?? 600) * 1000,
        keep: o.keep === true,
        say,
      });
      passed = outputsMatch(report.comparison);
      process.stdout.write(o.json === true ? `${JSON.stringify({ file: positionals[0], passed, ...report }, null, 2)}\n` : `${formatReport(report, positionals[0], o.show ?? 20)}\n`);
      return passed ? 0 : 1;
    } catch (e) {
      say(`runs kept in ${workDir} (seed ${seed})`);
      throw e;
    } finally {
      process.off('SIGINT', stopOnSignal);
      process.off('SIGTERM', stopOnSignal);
      if (passed && o.keep !== true) {
        // A directory it made goes; one the user named stays, emptied of the runs.
        if (o['work-dir'] === undefined) await rm(workDir, { recursive: true, force: true });
        else for (const run of ['reference', 'killed']) await rm(join(workDir, run), { recursive: true, force: true });
      }
    }
  },
};
