import { readFile, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { StreamEnvironment } from '@weir/core';
import { CliError, firstLine } from '../errors.ts';

/** What a job file exports by default: a function that defines the job on the environment. */
export type JobDefinition = (env: StreamEnvironment) => void | Promise<void>;

/**
 * Imports a job file (TypeScript through the loader the bin script registers) and returns its
 * default export. A missing file, a CommonJS file, a file that throws while loading, and a file
 * without a default function are configuration errors (exit code 2): the job never started.
 *
 * A job file must load as an ES module: tsx would compile a CommonJS one's imports to `require`,
 * which loads a second copy of @weir/core beside the one weir runs the job with (its classes fail
 * `instanceof`, its module state is not shared).
 */
export async function loadJobFile(file: string): Promise<JobDefinition> {
  const path = resolve(file);
  try {
    if (!(await stat(path)).isFile()) throw new CliError(`job file ${file} is not a file`, 2);
  } catch (e) {
    if (e instanceof CliError) throw e;
    throw new CliError(`job file ${file} not found`, 2, { cause: e });
  }
  const commonJs = await commonJsReason(path);
  if (commonJs !== undefined) {
    throw new CliError(
      `job file ${file} would load as CommonJS (${commonJs}): job files are ES modules, so that they share @weir/core with weir itself. ` +
        `Add "type": "module" to package.json ('weir init' does), or name the file ${basename(file).replace(/\.[cm]?[jt]sx?$/, '')}.mts`,
      2,
    );
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
  const missing = /^Cannot find package '(@weir\/[^'/]+)/.exec(lines[0] ?? '');
  if (missing !== null) return `${firstLine(e)}: install it in the job's project (npm install ${missing[1]})`;
  return firstLine(e);
}

/**
 * Why `path` would load as CommonJS, or `undefined` if it loads as an ES module: `.mts`/`.mjs`
 * always do, `.cts`/`.cjs` never; any other file follows the nearest package.json's `"type"`, as
 * in Node.
 */
export async function commonJsReason(path: string): Promise<string | undefined> {
  if (/\.m[jt]s$/.test(path)) return undefined;
  if (/\.c[jt]s$/.test(path)) return 'its extension says so';
  for (let dir = dirname(path); ; dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    const text = await readFile(manifest, 'utf8').catch(() => undefined);
    if (text !== undefined) {
      let type: unknown;
      try {
        type = (JSON.parse(text) as { type?: unknown }).type;
      } catch {
        return undefined; // Node fails on it with a clearer message of its own.
      }
      return type === 'module' ? undefined : `${manifest} has ${type === undefined ? 'no "type"' : `"type": ${JSON.stringify(type)}`}`;
    }
    if (dirname(dir) === dir) return 'no package.json above it says "type": "module"';
  }
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
