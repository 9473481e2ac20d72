/**
 * Each case runs in a process of its own, so that cases share no heap, no JIT state and no peak
 * RSS: the parent forks an entry module with the case as JSON, draws the progress the child
 * reports, and gets one result (or an error) back over IPC.
 */
import { fork } from 'node:child_process';

type Message<R> = { type: 'progress'; done: number } | { type: 'result'; result: R } | { type: 'error'; message: string; stack?: string };

export interface ChildOptions {
  readonly onProgress?: (done: number) => void;
  /** Extra Node flags for the child (e.g. `--cpu-prof`); the parent's loader flags (tsx) are kept. */
  readonly execArgv?: readonly string[];
}

/** Runs `entry` (a module that calls {@link runAsChild}) in a new process with `input`. */
export function runInChild<R>(entry: string, input: unknown, options: ChildOptions = {}): Promise<R> {
  return new Promise<R>((resolve, reject) => {
    const child = fork(entry, [JSON.stringify(input)], {
      execArgv: [...process.execArgv, ...(options.execArgv ?? [])],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    let settled = false;
    child.on('message', (m: Message<R>) => {
      if (m.type === 'progress') options.onProgress?.(m.done);
      else if (m.type === 'result') {
        settled = true;
        resolve(m.result);
      } else {
        settled = true;
        reject(Object.assign(new Error(m.message), { stack: m.stack }));
      }
    });
    child.on('error', (e) => {
      if (!settled) reject(e);
      settled = true;
    });
    child.on('exit', (code, signal) => {
      if (!settled) reject(new Error(`${entry} exited with ${signal ?? `code ${code}`} before reporting a result`));
      settled = true;
    });
  });
}

/** The child side: runs `main` on the input the parent sent, reports its result, and exits. */
export function runAsChild<I, R>(main: (input: I, progress: (done: number) => void) => Promise<R>): void {
  const send = (m: Message<R>, then: () => void = () => {}): void => {
    if (process.send === undefined) then();
    else process.send(m, () => then());
  };
  const input = JSON.parse(process.argv[2] ?? 'null') as I;
  main(input, (done) => send({ type: 'progress', done })).then(
    (result) => send({ type: 'result', result }, () => process.exit(0)),
    (e: unknown) => {
      const err = e instanceof Error ? e : new Error(String(e));
      send({ type: 'error', message: err.message, stack: err.stack }, () => process.exit(1));
    },
  );
}
