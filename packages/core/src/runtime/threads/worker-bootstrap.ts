import { Worker } from 'node:worker_threads';
import type { TaskManagerData } from './thread-messages.ts';

/**
 * How a task manager thread starts: it imports the module that defines the job (a job file's
 * loader, or the script the process runs). Node's `--import` loaders (such as tsx's) do not reach
 * worker threads, so when the entry is TypeScript the thread first registers tsx itself, then
 * imports the entry. The bootstrap is evaluated source, so that it runs before any loader.
 *
 * Before tsx, it imports built Weir (and so its dependencies): with module hooks registered, Node
 * resolves and loads every module, and every `require` of a CommonJS dependency such as pino, by a
 * round trip to the hooks' own thread. Loaded first, they cost no round trips: an empty job on 2
 * worker threads reached its first record in 0.77 s instead of 0.85 s (median of 5 pairs; most of
 * what a worker still spends is starting the hooks thread). The job's own import of `@weir/core`
 * then resolves to the module already loaded.
 */
const BOOTSTRAP = `
const { workerData } = require('node:worker_threads');
(async () => {
  const boot = workerData.boot;
  if (boot.preload !== null) await import(boot.preload);
  if (boot.tsx !== null) (await import(boot.tsx)).register();
  await import(boot.entry);
})().catch((e) => { process.nextTick(() => { throw e; }); });
`;

/** What a task manager thread is started with. */
export interface WorkerStart {
  readonly entry: URL;
  /** Node options of the thread; loader options (`--import`, `--loader`) are dropped, see above. */
  readonly execArgv: readonly string[];
  /** Passed to the entry as `workerData.app`. */
  readonly app: unknown;
  readonly weir: TaskManagerData;
  /** Told the options of `execArgv` that Node refused in a worker, and that the thread starts without. */
  readonly onDroppedOptions?: (options: readonly string[]) => void;
}

/**
 * Starts a task manager thread on `start.entry`. tsx is registered in it whenever it can be found
 * (a job file is TypeScript even when the entry that loads it, `weir run`'s, is built JavaScript).
 */
export function startTaskManagerThread(start: WorkerStart): Worker {
  const tsx = resolveTsx(/\.[cm]?tsx?$/.test(start.entry.pathname));
  const boot = { entry: start.entry.href, tsx, preload: builtWeir() };
  const options = { eval: true, workerData: { weir: start.weir, app: start.app, boot } };
  let execArgv = withoutLoaders(start.execArgv);
  const dropped: string[] = [];
  for (;;) {
    try {
      const worker = new Worker(BOOTSTRAP, { ...options, execArgv });
      if (dropped.length > 0) start.onDroppedOptions?.(dropped);
      return worker;
    } catch (e) {
      // V8 and process-wide options (`--max-semi-space-size`, `--single-threaded-gc`, `--title`)
      // are refused in a worker's execArgv, and they already apply to every thread of the process:
      // drop the ones Node names and start the thread with the rest.
      const refused = refusedOptions(e);
      const kept = execArgv.filter((a) => !refused.has(a));
      if (refused.size === 0 || kept.length === execArgv.length) throw e;
      dropped.push(...execArgv.filter((a) => refused.has(a)));
      execArgv = kept;
    }
  }
}

/** The options a `ERR_WORKER_INVALID_EXEC_ARGV` names ("Initiated Worker with invalid execArgv flags: --a, --b"). */
function refusedOptions(e: unknown): Set<string> {
  if ((e as { code?: unknown }).code !== 'ERR_WORKER_INVALID_EXEC_ARGV') return new Set();
  const message = (e as Error).message;
  const at = message.lastIndexOf(': ');
  return new Set(at < 0 ? [] : message.slice(at + 2).split(', '));
}

/** tsx's programmatic API, resolved from here (tsx comes with `@weir/cli`; a script run with `--import tsx` has it too). */
function resolveTsx(required: boolean): string | null {
  try {
    return import.meta.resolve('tsx/esm/api');
  } catch (e) {
    if (!required) return null;
    throw new Error(`the job is TypeScript but tsx cannot be found for its worker threads (npm install tsx): ${String(e)}`);
  }
}

/**
 * What worker threads import before tsx: where this thread finds `@weir/core` when that is built
 * JavaScript, null when it is the sources (the `development` condition; tsx must load those).
 */
export function builtWeir(): string | null {
  try {
    const url = import.meta.resolve('@weir/core');
    return url.endsWith('.js') ? url : null;
  } catch {
    return null;
  }
}

function withoutLoaders(execArgv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < execArgv.length; i++) {
    const a = execArgv[i];
    if (a === '--import' || a === '--loader' || a === '--experimental-loader' || a === '--require' || a === '-r') {
      i++;
      continue;
    }
    if (/^--(import|loader|experimental-loader|require)=/.test(a)) continue;
    out.push(a);
  }
  return out;
}
