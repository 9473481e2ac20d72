import { ConfigError, GraphError, JobExecutionError, LeaseConflictError, StreamEnvironment, type JobClient, type JobExecutionResult } from '@weir/core';
import type { LevelWithSilent } from 'pino';
import { parseArgs } from '../args/parse-args.ts';
import { isLoopback } from '../control/auth.ts';
import { FALLBACK_CONTROL_ROOT, removeControlFile, writeControlFile } from '../control/control-file.ts';
import { ControlServer } from '../control/server.ts';
import { CliError, UsageError, firstLine } from '../errors.ts';
import { applyRunOverrides, checkpointRoot, type EffectiveCheckpointing, type RunOverrides } from '../job/apply-run-options.ts';
import { cancelOnSignal } from '../job/cancel-on-signal.ts';
import { describeFreshStart } from '../job/fresh-start.ts';
import { defineJob, jobNameOf, loadJobFile } from '../job/load-job-file.ts';
import { LOG_LEVELS, createCliLogger } from '../progress/cli-logger.ts';
import { formatDuration } from '../progress/format.ts';
import { ProgressReporter } from '../progress/progress-reporter.ts';
import { StatusLine } from '../progress/status-line.ts';
import type { Command } from './command.ts';
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import type { WorkerJob } from '../job/worker-entry.ts';

const OPTIONS = {
  'checkpoint-dir': { type: 'string' },
  'checkpoint-interval': { type: 'integer', min: 10 },
  parallelism: { type: 'integer', min: 1 },
  workers: { type: 'integer', min: 1 },
  'job-name': { type: 'string' },
  'from-savepoint': { type: 'string' },
  'allow-non-restored-state': { type: 'flag' },
  fresh: { type: 'flag' },
  port: { type: 'integer', min: 0, max: 65535 },
  bind: { type: 'string' },
  token: { type: 'string' },
  'log-level': { type: 'choice', choices: LOG_LEVELS },
  'log-file': { type: 'string' },
} as const;

const USAGE = `usage: weir run FILE [options]

Runs the job FILE's default export defines; options override the job's own settings.
  --checkpoint-dir DIR         checkpoint below DIR/<job> (turns checkpointing on)
  --checkpoint-interval MS     checkpoint every MS ms (default: the job's, else 1000)
  --parallelism N              default parallelism of the job's operators
  --workers N                  threads the subtasks run on (default: one per core, at most the widest
                               task's parallelism; 1 runs everything on the main thread)
  --job-name NAME              name of the job and its checkpoint directory (default: FILE's base name)
  --from-savepoint PATH        start from this savepoint or checkpoint instead of the latest checkpoint
  --allow-non-restored-state   drop state of operators the job no longer has
  --fresh                      delete the job's checkpoints and start from scratch
  --port N                     control endpoint port (default: any free port)
  --bind HOST                  control endpoint address (default 127.0.0.1; other addresses need --token)
  --token TOKEN                bearer token (16+ characters) the control endpoint requires (default: WEIR_TOKEN, if set)
  --log-level LEVEL            ${LOG_LEVELS.join(', ')} (default info)
  --log-file FILE              write JSON logs to FILE instead of stderr`;

const SAFE_NAME = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,199}$/;

/** The module each worker thread runs to define the job (`.ts` in the repository, `.js` once built). */
const WORKER_ENTRY = new URL(`../job/worker-entry${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url);

/** A bearer token shorter than this is refused (`--token`, `WEIR_TOKEN`). */
const MIN_TOKEN_LENGTH = 16;

/** The command line of `weir run`, checked. */
interface RunSettings {
  readonly file: string;
  readonly jobName: string;
  readonly host: string;
  readonly port: number;
  readonly token: string | undefined;
  readonly overrides: RunOverrides;
  /** Worker threads, when `--workers` is given. */
  readonly workers: number | undefined;
  readonly logLevel: LevelWithSilent | undefined;
  readonly logFile: string | undefined;
}

function parseRun(args: readonly string[]): RunSettings {
  const { positionals, options: o } = parseArgs(args, OPTIONS, ['FILE']);
  const file = positionals[0];
  const jobName = o['job-name'] ?? jobNameOf(file);
  if (!SAFE_NAME.test(jobName)) {
    throw new UsageError(`job name '${jobName}' must be a safe file name ([A-Za-z0-9_][A-Za-z0-9._-]*): pass --job-name`);
  }
  const host = o.bind ?? '127.0.0.1';
  const token = o.token ?? process.env.WEIR_TOKEN;
  if (token !== undefined && token.length < MIN_TOKEN_LENGTH) {
    throw new UsageError(
      `--token must be at least ${MIN_TOKEN_LENGTH} characters, got ${token.length}: a short token is guessed quickly (try \`openssl rand -hex 16\`)`,
    );
  }
  if (!isLoopback(host) && token === undefined) {
    throw new UsageError(`--bind ${host} is reachable from other machines: it needs --token TOKEN (clients send Authorization: Bearer TOKEN)`);
  }
  return {
    file,
    jobName,
    host,
    port: o.port ?? 0,
    token,
    overrides: {
      parallelism: o.parallelism,
      checkpointDir: o['checkpoint-dir'],
      checkpointInterval: o['checkpoint-interval'],
      fromSavepoint: o['from-savepoint'],
      allowNonRestoredState: o['allow-non-restored-state'],
      fresh: o.fresh,
    },
    workers: o.workers,
    logLevel: o['log-level'] as LevelWithSilent | undefined,
    logFile: o['log-file'],
  };
}

export const runCommand: Command = {
  name: 'run',
  summary: 'run a job file; resumes from its latest checkpoint',
  usage: USAGE,
  async run(args) {
    const settings = parseRun(args);
    const statusLine = process.stderr.isTTY ? new StatusLine(process.stderr) : undefined;
    const say = (line: string): void => (statusLine === undefined ? void process.stderr.write(`weir: ${line}\n`) : statusLine.printAbove(`weir: ${line}`));
    const logger = createCliLogger({ level: settings.logLevel, file: settings.logFile, statusLine });
    const job: { client?: JobClient } = {};
    const stopSignals = cancelOnSignal(() => job.client, say);
    try {
      const definition = await loadJobFile(settings.file);
      const env = StreamEnvironment.create({ logger });
      await defineJob(settings.file, definition, env);
      const checkpointing = configure(() => applyRunOverrides(env, settings.overrides));
      const worker: WorkerJob = { file: resolve(settings.file), jobName: settings.jobName, overrides: settings.overrides };
      env.setWorkers(settings.workers ?? availableParallelism(), { entry: WORKER_ENTRY, data: worker, execArgv: [] });
      if (checkpointing?.options.fresh === true) say(await describeFreshStart(settings.jobName, checkpointing.options));
      const server = await ControlServer.start(() => job.client, settings).catch((e: unknown) => {
        throw new CliError(`cannot start the control endpoint on ${settings.host}:${settings.port}: ${firstLine(e)}`, 2);
      });
      say(`control endpoint ${server.url}`);
      const login = settings.token === undefined ? '' : ' (the browser asks for the token: any user name, the token as password)';
      say(`dashboard ${server.dashboardUrl}   metrics ${server.metricsUrl}${login}`);
      try {
        job.client = configure(() => env.executeAsync(settings.jobName));
      } catch (e) {
        await server.close();
        throw e;
      }
      return await supervise(job.client, server, { settings, checkpointing, statusLine, say });
    } finally {
      stopSignals();
    }
  },
};

/** Runs a submitted job to its end with its control file and progress line; resolves with the exit code. */
async function supervise(
  client: JobClient,
  server: ControlServer,
  ctx: { settings: RunSettings; checkpointing: EffectiveCheckpointing | undefined; statusLine: StatusLine | undefined; say: (line: string) => void },
): Promise<number> {
  // Before anything awaits: the job may fail at once.
  const outcome = settle(client);
  let controlFile: string | undefined;
  let progress: ProgressReporter | undefined;
  try {
    // Another run of the job holds it: say who, and leave its control file alone.
    const refused = await client.started.then(
      () => undefined,
      (e: unknown) => (e instanceof LeaseConflictError ? e : undefined),
    );
    if (refused !== undefined) throw new CliError(refused.message, 2, { cause: refused });
    const info = { port: server.port, pid: process.pid, jobName: ctx.settings.jobName, host: ctx.settings.host, tokenRequired: ctx.settings.token !== undefined };
    controlFile = await writeControlFile(checkpointRoot(ctx.checkpointing) ?? FALLBACK_CONTROL_ROOT, info).catch((e: unknown) => {
      client.cancel();
      throw new CliError(`cannot write the control file: ${firstLine(e)}`, 2);
    });
    if (ctx.statusLine !== undefined) progress = new ProgressReporter(client, ctx.statusLine, ctx.checkpointing !== undefined);
    return report(await outcome, ctx.say);
  } finally {
    progress?.stop();
    await outcome.catch(() => undefined);
    await server.close();
    if (controlFile !== undefined) await removeControlFile(controlFile);
  }
}

/** Runs a step that reads the job's configuration: its errors are exit code 2. */
function configure<T>(step: () => T): T {
  try {
    return step();
  } catch (e) {
    if (e instanceof ConfigError || e instanceof GraphError || e instanceof RangeError || e instanceof TypeError) {
      throw new CliError(`invalid job: ${firstLine(e)}`, 2, { cause: e });
    }
    throw e;
  }
}

async function settle(client: JobClient): Promise<JobExecutionResult | JobExecutionError> {
  try {
    return await client.result;
  } catch (e) {
    if (e instanceof JobExecutionError) return e;
    throw e;
  }
}

function report(outcome: JobExecutionResult | JobExecutionError, say: (line: string) => void): number {
  if (outcome instanceof JobExecutionError) {
    say(firstLine(outcome));
    return 1;
  }
  const restarts = outcome.restarts === 0 ? '' : ` after ${outcome.restarts} restart${outcome.restarts === 1 ? '' : 's'}`;
  say(`job '${outcome.jobName}' ${outcome.status} in ${formatDuration(outcome.durationMs)}${restarts}`);
  return 0;
}
