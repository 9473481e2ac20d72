import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';
import { StreamEnvironment, type JobExecutionResult } from '@weir/core';

/** What a job file exports by default: a function that defines the job on the environment. */
export type JobDefinition = (env: StreamEnvironment) => void | Promise<void>;

const USAGE = `usage: weir run <job-file.ts> [--job-name NAME] [--parallelism N]`;

/**
 * `weir run FILE`: loads a TypeScript or JavaScript job file (the loader is registered by the
 * bin script), lets its default export define the job, and runs it. Returns the exit code.
 */
export async function main(argv: readonly string[]): Promise<number> {
  const [command, file, ...rest] = argv;
  if (command !== 'run' || file === undefined) {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  let options: RunOptions;
  try {
    options = parseRunOptions(rest);
  } catch (e) {
    process.stderr.write(`weir: ${(e as Error).message}\n${USAGE}\n`);
    return 2;
  }
  try {
    const result = await runJobFile(file, options);
    process.stderr.write(`weir: job '${result.jobName}' ${result.status} in ${result.durationMs} ms\n`);
    return 0;
  } catch (e) {
    process.stderr.write(`weir: ${(e as Error).message}\n`);
    return 1;
  }
}

export interface RunOptions {
  readonly jobName?: string;
  readonly parallelism?: number;
}

function parseRunOptions(args: readonly string[]): RunOptions {
  const out: { jobName?: string; parallelism?: number } = {};
  for (let i = 0; i < args.length; i++) {
    const value = args[i + 1];
    switch (args[i]) {
      case '--job-name':
        if (value === undefined) throw new Error('--job-name needs a value');
        out.jobName = value;
        i++;
        break;
      case '--parallelism':
        if (value === undefined || !/^\d+$/.test(value)) throw new Error('--parallelism needs a positive integer');
        out.parallelism = Number(value);
        i++;
        break;
      default:
        throw new Error(`unknown option '${args[i]}'`);
    }
  }
  return out;
}

/** Imports `file`, applies its default export to a fresh environment, and executes the job. */
export async function runJobFile(file: string, options: RunOptions = {}): Promise<JobExecutionResult> {
  const url = pathToFileURL(resolve(file)).href;
  let mod: { default?: unknown };
  try {
    mod = (await import(url)) as { default?: unknown };
  } catch (e) {
    throw new Error(`could not load job file ${file}: ${(e as Error).message}`, { cause: e });
  }
  if (typeof mod.default !== 'function') {
    throw new Error(`job file ${file} has no default export: export default function job(env) { ... }`);
  }
  const env = StreamEnvironment.create();
  await (mod.default as JobDefinition)(env);
  if (options.parallelism !== undefined) env.setParallelism(options.parallelism);
  const name = options.jobName ?? file.replace(/^.*\//, '').replace(/\.[cm]?[jt]s$/, '');
  return env.execute(name);
}
