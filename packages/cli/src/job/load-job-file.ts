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
    throw new CliError(`job file ${file} failed to load: ${describeLoadError(e)}`, 2, { cause: e });
  }
  if (typeof mod.default !== 'function') {
    throw new CliError(`job file ${file} has no default export: add 'export default function job(env) { ... }'`, 2);
  }
  return mod.default as JobDefinition;
}

/**
 * One line for an error of importing a job file. A syntax error comes from the TypeScript loader
 * (esbuild) as `Transform failed with 1 error:` with the file, line, column and message on the
 * lines after it: those are what the user needs.
 */
export function describeLoadError(e: unknown): string {
  const message = e instanceof Error ? e.message : String(e);
  const lines = message.split('\n').map((l) => l.trim()).filter((l) => l !== '');
  if (lines.length > 1 && /^Transform failed with \d+ errors?:?$/.test(lines[0])) {
    return lines.slice(1).map((l) => l.replace(/: ERROR: /, ': ')).join('; ');
  }
  return firstLine(e);
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
