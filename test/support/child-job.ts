import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const TSX = fileURLToPath(import.meta.resolve('tsx'));

/** A job running in a child process that a test can kill with SIGKILL. */
export interface ChildJob {
  readonly child: ChildProcess;
  /** Resolves with the exit code, or the signal name when killed. */
  readonly exited: Promise<number | string>;
  /** Everything the child wrote to stderr so far (its logs). */
  stderr(): string;
  /** Resolves when a stderr line matches, or never. */
  waitFor(pattern: RegExp): Promise<void>;
  kill(): void;
}

/**
 * Starts `file` (TypeScript, run through tsx) with `env` added to the environment, and `nodeArgs`
 * before the file. With `built`, @weir/* resolve to their built bundles, as in an installed project.
 */
export function startChildJob(file: string, env: Record<string, string>, nodeArgs: readonly string[] = [], options: { built?: boolean } = {}): ChildJob {
  // The development condition: @weir/* resolve to their sources, as in vitest (not to dist/, which
  // only a build refreshes).
  const condition = options.built === true ? [] : ['--conditions=development'];
  // Crash tests wait for info log lines (checkpoints, restores): a quieter level would hang them.
  const level = /^(warn|error|fatal|silent)$/.test(process.env.WEIR_LOG_LEVEL ?? '') ? { WEIR_LOG_LEVEL: 'info' } : {};
  const child = spawn(process.execPath, [...nodeArgs, ...condition, '--import', TSX, file], {
    env: { ...process.env, ...level, ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let err = '';
  const watchers: { pattern: RegExp; resolve: () => void }[] = [];
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (chunk: string) => {
    err += chunk;
    for (const w of watchers.splice(0)) {
      if (w.pattern.test(chunk)) w.resolve();
      else watchers.push(w);
    }
  });
  const exited = new Promise<number | string>((resolve) => {
    child.on('exit', (code, signal) => resolve(signal ?? code ?? -1));
  });
  return {
    child,
    exited,
    stderr: () => err,
    waitFor: (pattern) => new Promise<void>((resolve) => watchers.push({ pattern, resolve })),
    kill: () => {
      child.kill('SIGKILL');
    },
  };
}

/** Where a crash test kills a run (see {@link killPointOf}). */
export interface KillPoint {
  /** Resolves when the run is due to be killed. */
  readonly due: Promise<void>;
  /** For the test's log: `after a checkpoint completed +120 ms`. */
  readonly description: string;
}

/**
 * A kill point for `child` from `random`: 30 % of the time shortly after a checkpoint completed,
 * 25 % while one is taken (just after its trigger), 25 % at any moment once the tasks run, 20 %
 * at any moment from the start (while the run loads, restores and deploys). With `afterCheckpoint`
 * always the first (the first kill of a test, so that the runs after it restore from a checkpoint,
 * which the test can then check they did). They wait for info log lines, which the jobs write
 * whatever WEIR_LOG_LEVEL says (see {@link startChildJob}).
 */
export function killPointOf(child: ChildJob, random: () => number, afterCheckpoint = false): KillPoint {
  const r = afterCheckpoint ? 0 : random();
  const wait = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
  if (r >= 0.8) {
    const delay = Math.floor(random() * 1400);
    return { due: wait(delay), description: `at +${delay} ms from the start` };
  }
  const [what, after, delay] =
    r < 0.3
      ? ['after a checkpoint completed', /"msg":"checkpoint completed"/, Math.floor(random() * 400)]
      : r < 0.55
        ? ['after checkpoint trigger', /checkpoint triggered/, Math.floor(random() * 15)]
        : ['after tasks running', /"msg":"tasks running"/, Math.floor(random() * 1000)];
  return { due: child.waitFor(after).then(() => wait(delay)), description: `${what} +${delay} ms` };
}

/**
 * Whether a run started from a checkpoint: it logged the restore before its tasks first ran (not
 * a restart within the process after a failure, which logs the same line later).
 */
export function restoredFromCheckpoint(child: ChildJob): boolean {
  const err = child.stderr();
  const restoring = err.search(/"msg":"restoring from checkpoint/);
  if (restoring < 0) return false;
  const running = err.search(/"msg":"tasks running"/);
  return running < 0 || restoring < running;
}
