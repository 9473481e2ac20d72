import { Worker } from 'node:worker_threads';
import type { TaskManagerData } from './thread-messages.ts';

/**
 * How a task manager thread starts: it imports the module that defines the job (a job file's
 * loader, or the script the process runs). Node's `--import` loaders (such as tsx's) do not reach
 * worker threads, so when the entry is TypeScript the thread first registers tsx itself, then
 * imports the entry. The bootstrap is evaluated source, so that it runs before any loader.
 */
const BOOTSTRAP = `
const { workerData } = require('node:worker_threads');
(async () => {
  const boot = workerData.boot;
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
}

/**
 * Starts a task manager thread on `start.entry`. tsx is registered in it whenever it can be found
 * (a job file is TypeScript even when the entry that loads it, `weir run`'s, is built JavaScript).
 */
export function startTaskManagerThread(start: WorkerStart): Worker {
  const tsx = resolveTsx(/\.[cm]?tsx?$/.test(start.entry.pathname));
  return new Worker(BOOTSTRAP, {
    eval: true,
    workerData: { weir: start.weir, app: start.app, boot: { entry: start.entry.href, tsx } },
    execArgv: withoutLoaders(start.execArgv),
  });
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
