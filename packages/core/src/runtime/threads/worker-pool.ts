import type { Logger } from 'pino';
import type { WorkerEntry } from '../../jobmanager/worker-entry.ts';
import type { MessagePort, Worker } from 'node:worker_threads';
import type { FromTaskManager, TaskManagerData, ToTaskManager } from './thread-messages.ts';
import { startTaskManagerThread } from './worker-bootstrap.ts';

/** How a worker thread loads the job: a module that defines it and calls `execute`. */
export type { WorkerEntry } from '../../jobmanager/worker-entry.ts';

/**
 * A worker thread could not define the job (the job file throws or fails to load there, defines
 * another job, or takes too long): a restart would meet the same, so the job fails for good.
 */
export class WorkerStartError extends Error {
  override readonly name = 'WorkerStartError';
}

/** What a pool tells the attempt that uses it. */
export interface PoolListener {
  onMessage(thread: number, m: Exclude<FromTaskManager, { type: 'ready' }>): void;
  /** The thread failed (threw outside its tasks) or exited: its tasks are gone. */
  onThreadLost(thread: number, error: Error): void;
}

/** How long a worker may take to load the job file and define the job. */
const READY_TIMEOUT_MS = 120_000;
/**
 * How long a worker asked to shut down may take to exit on its own (its output flushed) before it
 * is terminated: 2 s, or `WEIR_WORKER_EXIT_WAIT_MS` (the test of the shutdown gives a loaded
 * machine longer: a thread that something keeps alive never exits, however long the wait).
 */
export const EXIT_WAIT_MS = positiveMs(process.env.WEIR_WORKER_EXIT_WAIT_MS) ?? 2_000;

function positiveMs(text: string | undefined): number | undefined {
  const ms = Number(text);
  return text !== undefined && Number.isFinite(ms) && ms > 0 ? ms : undefined;
}

interface Member {
  readonly worker: Worker;
  readonly ready: Promise<void>;
  alive: boolean;
}

/**
 * The worker threads (task managers) of one job run, kept across its attempts: starting a thread
 * means loading the job file and Weir in it (a second or more), which a restart should not pay
 * again. Each thread says it is ready with a fingerprint of the job it defined, checked against
 * the main thread's. A thread that dies, or that an attempt has to give up on (its tasks did not
 * stop), is replaced by a new one at the next attempt; at the end of the run every thread is
 * asked to shut down, and terminated if it does not.
 */
export class WorkerPool {
  readonly #members = new Map<number, Member>();
  #listener: PoolListener | undefined;

  constructor(
    readonly size: number,
    readonly entry: WorkerEntry,
    /** The fingerprint of the job's graph on the main thread (see `graphFingerprint`). */
    readonly fingerprint: string,
    readonly data: Omit<TaskManagerData, 'thread'>,
    /** Where the pool says which Node options its threads start without (once per pool). */
    readonly logger?: Pick<Logger, 'info'>,
  ) {}

  /** Whether the options Node refused in a worker were logged already (the same for every thread). */
  #droppedLogged = false;

  /** Starts every thread that is not running (at once, so that they load the job while the main thread restores). */
  start(): void {
    for (let thread = 1; thread <= this.size; thread++) {
      if (this.#members.get(thread)?.alive !== true) this.#spawn(thread);
    }
  }

  /** Resolves once every thread is ready (starting those that are not running); rejects with a {@link WorkerStartError}. */
  async ready(): Promise<void> {
    this.start();
    let timer: NodeJS.Timeout | undefined;
    const tooSlow = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new WorkerStartError(`worker threads did not define the job within ${READY_TIMEOUT_MS / 1000} s`)), READY_TIMEOUT_MS);
    });
    try {
      await Promise.race([Promise.all([...this.#members.values()].map((m) => m.ready)), tooSlow]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Routes the threads' messages to `listener` (the current attempt) until {@link detach}. */
  attach(listener: PoolListener): void {
    this.#listener = listener;
  }

  detach(listener: PoolListener): void {
    if (this.#listener === listener) this.#listener = undefined;
  }

  post(thread: number, m: ToTaskManager, transfer?: readonly MessagePort[]): void {
    const member = this.#members.get(thread);
    if (member?.alive === true) member.worker.postMessage(m, transfer === undefined ? undefined : [...transfer]);
  }

  /** The thread's Worker, for its event-loop utilization; undefined when it is not running. */
  worker(thread: number): Worker | undefined {
    const member = this.#members.get(thread);
    return member?.alive === true ? member.worker : undefined;
  }

  /** Gives a thread up (its tasks did not stop): terminated now, started anew by the next {@link ready}. */
  async replace(thread: number): Promise<void> {
    const member = this.#members.get(thread);
    if (member === undefined) return;
    member.alive = false;
    this.#members.delete(thread);
    await member.worker.terminate().catch(() => 0);
  }

  /**
   * Asks every thread to end, waits for it to exit on its own (its output flushed), terminates what
   * is left. Resolves with the threads it had to terminate: a thread that does not exit holds
   * something open (a port, a timer, a connection), which the caller reports.
   */
  async shutdown(): Promise<number[]> {
    const members = [...this.#members.entries()];
    this.#members.clear();
    const terminated: number[] = [];
    await Promise.all(
      members.map(async ([thread, m]) => {
        if (!m.alive) return;
        m.alive = false;
        const exited = new Promise<void>((resolve) => m.worker.once('exit', () => resolve()));
        m.worker.postMessage({ type: 'shutdown' } satisfies ToTaskManager);
        let timer: NodeJS.Timeout | undefined;
        const gone = await Promise.race([exited.then(() => true), new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), EXIT_WAIT_MS)))]);
        clearTimeout(timer);
        if (gone) return;
        terminated.push(thread);
        await m.worker.terminate().catch(() => 0);
      }),
    );
    return terminated.sort((a, b) => a - b);
  }

  #spawn(thread: number): void {
    const worker = startTaskManagerThread({
      entry: this.entry.url,
      execArgv: this.entry.execArgv,
      app: this.entry.data,
      weir: { ...this.data, thread },
      onDroppedOptions: (options) => {
        if (this.#droppedLogged) return;
        this.#droppedLogged = true;
        this.logger?.info({ options }, `worker threads start without ${options.join(' ')}: Node refuses these options in a worker; as V8 or process options they apply to every thread already`);
      },
    });
    let readyNow!: () => void;
    let failed!: (e: Error) => void;
    const ready = new Promise<void>((resolve, reject) => {
      readyNow = resolve;
      failed = reject;
    });
    ready.catch(() => {}); // observed through ready()
    const member: Member = { worker, ready, alive: true };
    this.#members.set(thread, member);
    let isReady = false;
    worker.on('message', (m: FromTaskManager) => {
      if (m.type !== 'ready') return this.#listener?.onMessage(thread, m);
      if (m.fingerprint !== this.fingerprint) {
        return failed(new WorkerStartError(`the job file defined another job in worker thread ${thread} than on the main thread: define jobs deterministically (no randomness or environment-dependent operators)`));
      }
      isReady = true;
      readyNow();
    });
    worker.on('error', (e: Error) => {
      // Before it is ready, the thread failed to load or define the job.
      const error = isReady ? new Error(`worker thread ${thread} failed: ${e.message}`, { cause: e }) : new WorkerStartError(`the job cannot be loaded in worker thread ${thread}: ${e.message}`, { cause: e });
      this.#lose(member, thread, error, failed);
    });
    worker.on('exit', (code) => {
      if (!member.alive) return;
      const error = isReady
        ? new Error(`worker thread ${thread} exited (code ${code}) while its tasks were running`)
        : new WorkerStartError(`worker thread ${thread} exited (code ${code}) before it defined the job`);
      this.#lose(member, thread, error, failed);
    });
  }

  #lose(member: Member, thread: number, error: Error, failed: (e: Error) => void): void {
    if (!member.alive) return;
    member.alive = false;
    if (this.#members.get(thread) === member) this.#members.delete(thread);
    void member.worker.terminate().catch(() => 0);
    failed(error);
    this.#listener?.onThreadLost(thread, error);
  }
}
