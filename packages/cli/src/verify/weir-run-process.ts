import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The `weir` binary this command runs from: each verify run is `node weir.js run …` in a child process. */
const WEIR_BIN = fileURLToPath(new URL('../../bin/weir.js', import.meta.url));

/** How a child `weir run` ended: its exit code, or the signal that killed it. */
export type ChildExit = { readonly code: number; readonly signal?: undefined } | { readonly code?: undefined; readonly signal: NodeJS.Signals };

/**
 * A `weir run` in a child process, watched through its stderr: with stderr a pipe and
 * `WEIR_LOG_LEVEL=info`, `weir run` writes pino's JSON lines (`"msg":"tasks running"`,
 * `"msg":"checkpoint triggered"`, …), which is how `weir verify` times its kills.
 */
export class WeirRunProcess {
  readonly child: ChildProcess;
  readonly spawnedAt = Date.now();
  readonly exited: Promise<ChildExit>;
  #tail: string[] = [];
  readonly #counts = new Map<LogEvent, number>();
  readonly #watchers: { event: LogEvent; nth: number; resolve: (at: number) => void }[] = [];

  constructor(args: readonly string[], options: { cwd: string; env: Record<string, string> }) {
    this.child = spawn(process.execPath, [WEIR_BIN, 'run', ...args], {
      cwd: options.cwd,
      env: { ...process.env, WEIR_LOG_LEVEL: 'info', ...options.env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let partial = '';
    this.child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
      const lines = (partial + chunk).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) this.#onLine(line);
    });
    this.exited = new Promise((resolve) => {
      this.child.once('exit', (code, signal) => resolve(signal !== null ? { signal } : { code: code ?? -1 }));
      this.child.once('error', () => resolve({ code: -1 }));
    });
  }

  /** Resolves with the time (epoch ms) of the `nth` line of `event` since the process started; never if it does not come. */
  when(event: LogEvent, nth = 1): Promise<number> {
    return new Promise((resolve) => {
      if (this.count(event) >= nth) resolve(Date.now());
      else this.#watchers.push({ event, nth, resolve });
    });
  }

  /** How many lines of `event` came so far. */
  count(event: LogEvent): number {
    return this.#counts.get(event) ?? 0;
  }

  /** The last lines of stderr that are not routine JSON logs (level info or below), for error messages. */
  tail(): string {
    return this.#tail.join('\n');
  }

  kill(): void {
    this.child.kill('SIGKILL');
  }

  #onLine(line: string): void {
    if (line !== '' && !/^\{"level":(10|20|30),/.test(line)) {
      this.#tail.push(line.length > 400 ? `${line.slice(0, 399)}…` : line);
      if (this.#tail.length > 8) this.#tail.shift();
    }
    for (const event of EVENTS) {
      if (!LOG[event].test(line)) continue;
      const n = this.count(event) + 1;
      this.#counts.set(event, n);
      for (let i = this.#watchers.length - 1; i >= 0; i--) {
        const w = this.#watchers[i];
        if (w.event === event && n >= w.nth) {
          this.#watchers.splice(i, 1);
          w.resolve(Date.now());
        }
      }
    }
  }
}

/** Log lines `weir verify` watches for. */
export const LOG = {
  // Each attempt's tasks are built and run (after worker threads have loaded the job): the first one counts.
  started: /"msg":"tasks running"/,
  triggered: /"msg":"checkpoint triggered"/,
  completed: /"msg":"checkpoint completed"/,
  restored: /restoring from checkpoint/,
} as const;

/** A log line `weir verify` counts. */
export type LogEvent = keyof typeof LOG;

const EVENTS = Object.keys(LOG) as LogEvent[];
