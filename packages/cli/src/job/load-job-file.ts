import { stat } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { StreamEnvironment } from '@weir/core';
import { CliError, firstLine } from '../errors.ts';

/** What a job file exports by default: a function that defines the job on the environment. */
export type JobDefinition = (env: StreamEnvironment) => void | Promise<void>;

/**
 * Imports a job file (TypeScript through the loader the bin script registers) and returns its
 * default export. A missing file, a file that throws while loading, and a file without a default
 * function are configuration errors (exit code 2): the job never started.
 */
export async function loadJobFile(file: string): Promise<JobDefinition> {
  const path = resolve(file);
  try {
    if (!(await stat(path)).isFile()) throw new CliError(`job file ${file} is not a file`, 2);
  } catch (e) {
    if (e instanceof CliError) throw e;
    throw new CliError(`job file ${file} not found`, 2, { cause: e });
  }
  let mod: { default?: unknown };
  try {
    mod = (await import(pathToFileURL(path).href)) as { default?: unknown };
  } catch (e) {
    throw new CliError(`job file ${file} failed to load: ${firstLine(e)}`, 2, { cause: e });
  }
  if (typeof mod.default !== 'function') {
    throw new CliError(`job file ${file} has no default export: add 'export default function job(env) { ... }'`, 2);
  }
  return mod.default as JobDefinition;
}

/** Runs the job file's default export on `env`; a throw there is a configuration error too. */
export async function defineJob(file: string, definition: JobDefinition, env: StreamEnvironment): Promise<void> {
  try {
    await definition(env);
  } catch (e) {
    throw new CliError(`job file ${file} failed while defining the job: ${firstLine(e)}`, 2, { cause: e });
  }
}

/** `examples/word-count.ts` → `word-count`: the job's name when `--job-name` is not given. */
export function jobNameOf(file: string): string {
  return basename(file).replace(/\.[cm]?[jt]sx?$/, '');
}
