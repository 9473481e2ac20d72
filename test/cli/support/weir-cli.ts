import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The real `weir` binary, as `npx weir` runs it. */
export const WEIR_BIN = fileURLToPath(new URL('../../../packages/cli/bin/weir.js', import.meta.url));

/** A `weir` command running in a child process. */
export interface WeirProcess {
  readonly child: ChildProcess;
  /** Resolves with the exit code, or the signal's name when killed. */
  readonly exited: Promise<number | string>;
  stdout(): string;
  stderr(): string;
  /** Resolves with the first stderr line matching `pattern` (already written or still to come). */
  waitFor(pattern: RegExp): Promise<string>;
  kill(signal?: NodeJS.Signals): void;
}

/** Starts `node packages/cli/bin/weir.js ...args` with `env` added to the environment. */
export function startWeir(args: readonly string[], env: Record<string, string> = {}, cwd?: string): WeirProcess {
  const child = spawn(process.execPath, [WEIR_BIN, ...args], {
    cwd,
    env: { ...process.env, WEIR_LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  const watchers: { pattern: RegExp; resolve: (line: string) => void }[] = [];
  const match = (): void => {
    for (const w of watchers.splice(0)) {
      const line = err.split('\n').find((l) => w.pattern.test(l));
      if (line !== undefined) w.resolve(line);
      else watchers.push(w);
    }
  };
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    err += chunk;
    match();
  });
  const exited = new Promise<number | string>((resolve) => child.on('exit', (code, signal) => resolve(signal ?? code ?? -1)));
  return {
    child,
    exited,
    stdout: () => out,
    stderr: () => err,
    waitFor: (pattern) =>
      new Promise<string>((resolve) => {
        watchers.push({ pattern, resolve });
        match();
      }),
    kill: (signal = 'SIGKILL') => void child.kill(signal),
  };
}

/** Runs a `weir` command to its end. */
export async function runWeir(
  args: readonly string[],
  env: Record<string, string> = {},
  cwd?: string,
): Promise<{ code: number | string; stdout: string; stderr: string }> {
  const p = startWeir(args, env, cwd);
  const code = await p.exited;
  return { code, stdout: p.stdout(), stderr: p.stderr() };
}

/** The `weir:` lines of stderr (what the CLI itself says, not the job's JSON logs). */
export function weirLines(stderr: string): string[] {
  return stderr.split('\n').filter((l) => l.startsWith('weir:'));
}
