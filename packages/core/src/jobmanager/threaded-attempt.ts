import { MessageChannel, type MessagePort } from 'node:worker_threads';
import type { Logger } from 'pino';
import type { CompletedCheckpoint } from '../checkpoint/completed-checkpoint.ts';
import type { ExecutionGraph } from '../graph/execution-graph.ts';
import type { CheckpointResponder } from '../runtime/checkpointing/checkpoint-responder.ts';
import { channelId } from '../runtime/channel/local-transport.ts';
import type { CheckpointBarrier } from '../runtime/events.ts';
import { emitForwardedLine } from '../runtime/threads/log-forwarding.ts';
import { placeSubtasks } from '../runtime/threads/placement.ts';
import { deserializeError, serializeError } from '../runtime/threads/serialized-error.ts';
import type { AttemptMessage, FromTaskManager, ToTaskManager } from '../runtime/threads/thread-messages.ts';
import type { PoolListener, WorkerPool } from '../runtime/threads/worker-pool.ts';
import type { Deployment, SubtaskCounters, ThreadLoad } from './deployment.ts';
import { ThreadLoadMeter } from './thread-load-meter.ts';

/** Options of a {@link ThreadedAttempt}. */
export interface ThreadedAttemptOptions {
  /** The attempt's number in the job run: the threads tag every message about it with it. */
  readonly id: number;
  readonly graph: ExecutionGraph;
  readonly pool: WorkerPool;
  readonly logger: Logger;
  readonly cancellationTimeoutMs: number;
  readonly restore: CompletedCheckpoint | null;
  readonly allowNonRestoredState: boolean;
  readonly epoch: number;
  readonly responder: CheckpointResponder;
  readonly checkLease: () => Promise<void>;
}

/**
 * One attempt of a job whose subtasks run on worker threads (task managers), with the JobManager
 * and the checkpoint coordinator on the main thread. The threads come from the run's
 * {@link WorkerPool} (they have loaded the job file and defined the job); each is deployed its
 * share of the subtasks ({@link placeSubtasks}) with one end of every channel that crosses threads
 * (a MessagePort pair per channel, made here). Checkpoint triggers and notices go to the threads;
 * acknowledgements come back and go to the coordinator.
 *
 * The first failure (a task, a thread that throws or exits) cancels the others; a thread that has
 * not ended its attempt `cancellationTimeoutMs` (and a margin) after the cancel is terminated and
 * replaced, so that a failure always ends the attempt.
 */
export class ThreadedAttempt implements Deployment, PoolListener {
  onStopping: ((reason: 'task-failure' | 'job-cancelled') => void) | undefined;
  onSourceEnded: (() => void) | undefined;
  readonly sourceCount: number;
  readonly #o: ThreadedAttemptOptions;
  readonly #placement: Map<string, number>;
  readonly #threads: number[];
  readonly #ended = new Set<number>();
  readonly #deployedThreads = new Set<number>();
  #allDeployed!: () => void;
  readonly deployed = new Promise<void>((resolve) => (this.#allDeployed = resolve));
  readonly #counters = new Map<string, SubtaskCounters>();
  readonly #loads = new ThreadLoadMeter();
  #failure: unknown = undefined;
  #cancelled = false;
  #stopping = false;
  #deployed = false;
  readonly #undelivered: ToTaskManager[] = [];
  #allEnded!: () => void;
  readonly #whenAllEnded = new Promise<void>((resolve) => (this.#allEnded = resolve));
  #stopStarted!: () => void;
  readonly #whenStopping = new Promise<void>((resolve) => (this.#stopStarted = resolve));

  constructor(options: ThreadedAttemptOptions) {
    this.#o = options;
    this.#placement = placeSubtasks(options.graph.subtasks, options.pool.size);
    this.#threads = Array.from({ length: options.pool.size }, (_, i) => i + 1);
    this.sourceCount = options.graph.subtasks.filter((s) => s.vertex.nodes[0].kind === 'source').length;
    for (const s of options.graph.subtasks) {
      this.#counters.set(s.taskKey, {
        taskKey: s.taskKey,
        vertexId: s.vertex.id,
        subtaskIndex: s.subtaskIndex,
        thread: this.#placement.get(s.taskKey)!,
        recordsIn: 0,
        recordsOut: 0,
        busyMs: 0,
        backpressuredMs: 0,
        inputFill: 0,
        outputFill: 0,
        deadLetters: 0,
        lateRecordsDropped: 0,
      });
    }
  }

  get stopping(): boolean {
    return this.#stopping;
  }

  async run(): Promise<'finished' | 'cancelled'> {
    const { pool } = this.#o;
    pool.attach(this);
    try {
      await Promise.race([pool.ready(), this.#whenStopping]);
      if (!this.#stopping) {
        this.#deploy();
        const stopped = await Promise.race([this.#whenAllEnded.then(() => true), this.#whenStopping.then(() => this.#endedWithin())]);
        if (!stopped) await this.#replaceStragglers();
      }
    } catch (e) {
      this.#fail(e);
    } finally {
      pool.detach(this);
    }
    if (this.#failure !== undefined) throw this.#failure;
    return this.#cancelled ? 'cancelled' : 'finished';
  }

  cancel(): void {
    this.#cancelled = true;
    this.#stop();
  }

  fail(error: unknown): void {
    this.#fail(error);
  }

  /** Dead-letter queues live in the threads, which close them when their attempt ends. */
  async closeSharedResources(): Promise<void> {}

  triggerSources(barrier: CheckpointBarrier): void {
    this.#broadcast({ type: 'trigger', checkpointId: barrier.checkpointId, timestamp: barrier.timestamp, kind: barrier.checkpointKind, location: barrier.location });
  }

  notifyComplete(checkpointId: number): void {
    this.#broadcast({ type: 'complete', checkpointId });
  }

  notifyAborted(checkpointId: number): void {
    this.#broadcast({ type: 'aborted', checkpointId });
  }

  endInput(): void {
    this.#broadcast({ type: 'end-input' });
  }

  subtaskCounters(): readonly SubtaskCounters[] {
    return [...this.#counters.values()];
  }

  threadLoads(): readonly ThreadLoad[] {
    const loads: ThreadLoad[] = [];
    for (const thread of this.#threads) {
      const worker = this.#o.pool.worker(thread);
      if (worker === undefined) continue;
      loads.push(this.#loads.read(thread, (a, b) => worker.performance.eventLoopUtilization(a, b)));
    }
    return loads;
  }

  onMessage(thread: number, m: Exclude<FromTaskManager, { type: 'ready' }>): void {
    if (m.type === 'log') return emitForwardedLine(this.#o.logger, m.line);
    // A late message about an earlier attempt (a task it gave up on) counts for nothing now.
    if (m.attempt !== this.#o.id) return;
    this.#onAttemptMessage(thread, m);
  }

  onThreadLost(thread: number, error: Error): void {
    this.#fail(error);
    this.#markEnded(thread);
  }

  #onAttemptMessage(thread: number, m: AttemptMessage): void {
    switch (m.type) {
      case 'acknowledge':
        if (!this.#stopping) this.#o.responder.acknowledge(m.checkpointId, m.taskKey, m.states, m.metrics);
        return;
      case 'decline':
        this.#o.responder.decline(m.checkpointId, m.taskKey, m.reason, m.cause === null ? undefined : deserializeError(m.cause));
        return;
      case 'deployed':
        this.#deployedThreads.add(thread);
        if (this.#deployedThreads.size === this.#threads.length) this.#allDeployed();
        return;
      case 'source-ended':
        this.onSourceEnded?.();
        return;
      case 'counters':
        for (const c of m.counters) this.#counters.set(c.taskKey, c);
        return;
      case 'check-lease':
        this.#o.checkLease().then(
          () => this.#o.pool.post(thread, { type: 'lease-checked', request: m.request, error: null }),
          (e: unknown) => this.#o.pool.post(thread, { type: 'lease-checked', request: m.request, error: serializeError(e) }),
        );
        return;
      case 'ended':
        if (m.status === 'failed') this.#fail(m.error === null ? new Error(`worker thread ${thread} failed`) : deserializeError(m.error));
        else if (m.status === 'cancelled' && !this.#stopping) this.#fail(new Error(`worker thread ${thread} cancelled its tasks on its own`));
        this.#markEnded(thread);
        return;
    }
  }

  #deploy(): void {
    const { graph, pool } = this.#o;
    const perThread = new Map(this.#threads.map((t) => [t, { ports: {} as Record<string, MessagePort>, transfer: [] as MessagePort[] }]));
    for (const s of graph.subtasks) {
      const producer = this.#placement.get(s.taskKey)!;
      for (const spec of s.outputChannels.flat()) {
        const consumer = this.#placement.get(`${spec.to}#${spec.toSubtask}`)!;
        if (consumer === producer) continue;
        const { port1, port2 } = new MessageChannel();
        const id = channelId(spec);
        const out = perThread.get(producer)!;
        out.ports[id] = port1;
        out.transfer.push(port1);
        const into = perThread.get(consumer)!;
        into.ports[id] = port2;
        into.transfer.push(port2);
      }
    }
    for (const thread of this.#threads) {
      const { ports, transfer } = perThread.get(thread)!;
      pool.post(
        thread,
        {
          type: 'deploy',
          attempt: this.#o.id,
          subtasks: graph.subtasks.filter((s) => this.#placement.get(s.taskKey) === thread).map((s) => s.taskKey),
          ports,
          restore: this.#o.restore,
          allowNonRestoredState: this.#o.allowNonRestoredState,
          epoch: this.#o.epoch,
          cancellationTimeoutMs: this.#o.cancellationTimeoutMs,
        },
        transfer,
      );
    }
    this.#deployed = true;
    for (const m of this.#undelivered.splice(0)) this.#broadcast(m);
  }

  #markEnded(thread: number): void {
    this.#ended.add(thread);
    if (this.#ended.size === this.#threads.length) this.#allEnded();
  }

  #fail(error: unknown): void {
    if (this.#failure === undefined && !this.#cancelled) {
      this.#failure = error;
      this.#o.logger.error({ err: error }, 'a worker thread failed; cancelling the other tasks');
    }
    this.#stop();
  }

  #stop(): void {
    if (!this.#stopping) {
      this.#stopping = true;
      this.onStopping?.(this.#failure === undefined ? 'job-cancelled' : 'task-failure');
      this.#stopStarted();
    }
    this.#broadcast({ type: 'cancel' });
  }

  #broadcast(m: ToTaskManager): void {
    // Before the deploy, a trigger or notice would reach threads with no tasks: it waits for it.
    if (!this.#deployed && m.type !== 'cancel') {
      this.#undelivered.push(m);
      return;
    }
    for (const thread of this.#threads) if (!this.#ended.has(thread)) this.#o.pool.post(thread, m);
  }

  async #endedWithin(): Promise<boolean> {
    if (!this.#deployed) return true;
    let timer: NodeJS.Timeout | undefined;
    // A thread cancels its own tasks within the cancellation timeout (abandoning stuck ones): give it that, and a margin.
    const bound = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), this.#o.cancellationTimeoutMs + 2_000)));
    try {
      return await Promise.race([this.#whenAllEnded.then(() => true as const), bound]);
    } finally {
      clearTimeout(timer);
    }
  }

  async #replaceStragglers(): Promise<void> {
    const stuck = this.#threads.filter((t) => !this.#ended.has(t));
    this.#o.logger.error({ threads: stuck }, `worker thread(s) ${stuck.join(', ')} did not stop after the cancel; terminating them (new ones take their place)`);
    await Promise.all(stuck.map((t) => this.#o.pool.replace(t)));
  }
}
