import type { Logger } from 'pino';
import { collectionSource } from '../connector/collection-source.ts';
import type { Source } from '../connector/source.ts';
import type { SourceTransformation, Transformation } from '../graph/transformation.ts';
import { JobManager, type JobClient } from '../jobmanager/job-manager.ts';
import type { JobExecutionResult } from '../jobmanager/job-result.ts';
import { DEFAULT_MAX_PARALLELISM, UPPER_BOUND_MAX_PARALLELISM } from '../state/key-groups.ts';
import { HeapStateBackend } from '../state/heap/heap-state-backend.ts';
import type { StateBackend } from '../state/state-backend.ts';
import { ConfigError, requireInteger } from '../util/config-error.ts';
import { pathToFileURL } from 'node:url';
import type { WorkerEntry } from '../jobmanager/worker-entry.ts';
import { createLogger } from '../util/logger.ts';
import { DataStream } from './data-stream.ts';
import { CHECKPOINT_DEFAULTS, resolveCheckpointConfig, type CheckpointConfig, type CheckpointConfigOptions } from '../checkpoint/checkpoint-config.ts';
import type { CheckpointStorage } from '../checkpoint/storage/checkpoint-storage.ts';
import { FsCheckpointStorage } from '../checkpoint/storage/fs-checkpoint-storage.ts';
import type { RestartStrategyFactory } from '../jobmanager/restart/restart-strategy.ts';
import { exponentialBackoff } from '../jobmanager/restart/exponential-backoff.ts';
import { noRestart } from '../jobmanager/restart/no-restart.ts';
import { rejectUnknownOptions } from '../util/options.ts';
import type { WatermarkStrategy } from './watermarks/watermark-strategy.ts';

const CHECKPOINT_OPTION_KEYS = Object.keys(CHECKPOINT_DEFAULTS);

/** Options of {@link StreamEnvironment.enableCheckpointing}; the defaults match Flink's (see the README). */
export interface CheckpointingOptions extends CheckpointConfigOptions {
  /**
   * A directory (default `./checkpoints`; checkpoints go to `<dir>/<job name>/chk-<n>`) or a
   * storage object, which then belongs to the job: it is closed when the job ends.
   */
  readonly storage?: string | CheckpointStorage;
  /** Restore from this checkpoint or savepoint (its path) instead of the latest one. */
  readonly fromCheckpoint?: string;
  /** Restore even if the checkpoint has state for operators (by uid) the job no longer has; that state is dropped. */
  readonly allowNonRestoredState?: boolean;
  /** Delete the job's earlier checkpoints and start from scratch. */
  readonly fresh?: boolean;
}

/** Options of {@link StreamEnvironment.create}; each also has a setter. */
export interface EnvironmentOptions {
  /** Default parallelism of every operator (default 1: all tasks share one event loop). */
  readonly parallelism?: number;
  /** Number of key groups, the upper bound for rescaling keyed state (default 128). */
  readonly maxParallelism?: number;
  /** Records per batch between tasks (default 512). */
  readonly batchSize?: number;
  /** Batches (and events) a channel holds before its producer must wait (default 16). */
  readonly channelCapacity?: number;
  readonly stateBackend?: StateBackend;
  readonly logger?: Logger;
}

/**
 * The entry point of a job (Flink's StreamExecutionEnvironment): define sources, transform
 * streams, add sinks, then `execute`.
 *
 * @example
 * ```ts
 * const env = StreamEnvironment.create();
 * env.fromCollection(['a b', 'b c'])
 *   .flatMap((line, out) => line.split(' ').forEach((w) => out.collect(w)))
 *   .keyBy((w) => w)
 *   .map((w) => ({ word: w, n: 1 }))
 *   .keyBy((c) => c.word)
 *   .reduce((a, b) => ({ word: a.word, n: a.n + b.n }))
 *   .sinkTo(printSink());
 * await env.execute('wordcount');
 * ```
 */
export class StreamEnvironment {
  #parallelism = 1;
  #maxParallelism = DEFAULT_MAX_PARALLELISM;
  #batchSize = 512;
  #channelCapacity = 16;
  #stateBackend: StateBackend = new HeapStateBackend();
  #logger: Logger | undefined;
  #checkpointing: { config: CheckpointConfig; options: CheckpointingOptions } | undefined;
  #restartStrategy: RestartStrategyFactory | undefined;
  #cancellationTimeoutMs = 10_000;
  #autoWatermarkInterval = 200;
  #workers: { count: number; entry: WorkerEntry } | null = null;
  #nextId = 0;
  readonly #transformations: Transformation[] = [];

  static create(options: EnvironmentOptions = {}): StreamEnvironment {
    rejectUnknownOptions('StreamEnvironment.create', options, ['parallelism', 'maxParallelism', 'batchSize', 'channelCapacity', 'stateBackend', 'logger']);
    const env = new StreamEnvironment();
    if (options.parallelism !== undefined) env.setParallelism(options.parallelism);
    if (options.maxParallelism !== undefined) env.setMaxParallelism(options.maxParallelism);
    if (options.batchSize !== undefined) env.setBatchSize(options.batchSize);
    if (options.channelCapacity !== undefined) env.setChannelCapacity(options.channelCapacity);
    if (options.stateBackend !== undefined) env.setStateBackend(options.stateBackend);
    if (options.logger !== undefined) env.setLogger(options.logger);
    return env;
  }

  setParallelism(parallelism: number): this {
    this.#parallelism = requireInteger('parallelism', parallelism, 1);
    return this;
  }

  getParallelism(): number {
    return this.#parallelism;
  }

  setMaxParallelism(maxParallelism: number): this {
    this.#maxParallelism = requireInteger('maxParallelism', maxParallelism, 1, UPPER_BOUND_MAX_PARALLELISM);
    return this;
  }

  getMaxParallelism(): number {
    return this.#maxParallelism;
  }

  setBatchSize(records: number): this {
    this.#batchSize = requireInteger('batchSize', records, 1);
    return this;
  }

  setChannelCapacity(items: number): this {
    this.#channelCapacity = requireInteger('channelCapacity', items, 1);
    return this;
  }

  setStateBackend(backend: StateBackend): this {
    this.#stateBackend = backend;
    return this;
  }

  setLogger(logger: Logger): this {
    this.#logger = logger;
    return this;
  }

  /**
   * Takes a checkpoint every `interval` ms: sources record their positions, operators their state,
   * so that after a crash the job resumes from the latest complete checkpoint with each record
   * reflected in state exactly once. When the job starts and its checkpoint directory already holds
   * complete checkpoints, it resumes from the latest.
   *
   * @example `env.enableCheckpointing(1000, { retained: 3, storage: './checkpoints' })`
   */
  enableCheckpointing(interval: number, options: CheckpointingOptions = {}): this {
    rejectUnknownOptions('enableCheckpointing', options, [...CHECKPOINT_OPTION_KEYS, 'storage', 'fromCheckpoint', 'allowNonRestoredState', 'fresh']);
    this.#checkpointing = { config: resolveCheckpointConfig(interval, options), options };
    return this;
  }

  /** The interval and options given to `enableCheckpointing`; `undefined` when checkpointing is off. */
  getCheckpointing(): { readonly interval: number; readonly options: CheckpointingOptions } | undefined {
    const cp = this.#checkpointing;
    return cp === undefined ? undefined : { interval: cp.config.interval, options: cp.options };
  }

  /**
   * What happens when a task fails: restart the job from its latest checkpoint after a delay, or
   * fail. Default with checkpointing: exponential backoff (1 s, doubling, up to 5 min); without: no restart.
   */
  setRestartStrategy(strategy: RestartStrategyFactory): this {
    this.#restartStrategy = strategy;
    return this;
  }

  /**
   * How long the tasks of a failed or cancelled attempt get to stop (Flink's
   * `task.cancellation.timeout`), default 10 s. A task still waiting after that (on a Redis that
   * does not answer, say) is abandoned and its resources closed, so that the job restarts anyway.
   */
  setTaskCancellationTimeout(ms: number): this {
    this.#cancellationTimeoutMs = requireInteger('taskCancellationTimeout', ms, 1);
    return this;
  }

  /**
   * Runs the job's subtasks on `count` worker threads (default: all on this thread, one event
   * loop). Each worker loads the job as this process did (by default it runs this process's main
   * module again, with the same Node options) and defines the job again; its `execute` call then
   * serves the subtasks the main thread places on it instead of running the job. So code at module
   * level runs once per thread, functions and connectors are each thread's own, and module-level
   * variables are not shared between subtasks on different threads. The job must be defined the
   * same way in every thread (the threads check it). The JobManager and the checkpoint coordinator
   * stay on this thread. `weir run --workers N` sets this for a job file.
   *
   * @param options.entry the module a worker runs (default `process.argv[1]`); `options.data` is
   *   passed to it as `workerData.app`; `options.execArgv` its Node options (default `process.execArgv`).
   */
  setWorkers(count: number, options: { entry?: string | URL; execArgv?: readonly string[]; data?: unknown } = {}): this {
    requireInteger('workers', count, 1);
    rejectUnknownOptions('setWorkers', options, ['entry', 'execArgv', 'data']);
    const entry = options.entry ?? process.argv[1];
    if (count > 1 && entry === undefined) throw new ConfigError('entry', 'setWorkers needs the module that defines the job (options.entry): this process has no main module');
    this.#workers =
      count === 1
        ? null
        : { count, entry: { url: entry instanceof URL ? entry : pathToFileURL(entry), execArgv: options.execArgv ?? process.execArgv, data: options.data } };
    return this;
  }

  /** Worker threads the job runs on (1: the main thread only). */
  getWorkers(): number {
    return this.#workers?.count ?? 1;
  }

  /**
   * How often sources (and `assignTimestampsAndWatermarks` operators) emit watermarks (Flink's
   * `setAutoWatermarkInterval`), in ms of processing time; default 200. `0` emits after every poll
   * of a reader (about 512 records; for an operator, every 512 records and whenever its task waits
   * for input): more watermarks, sooner results, a little more overhead.
   */
  setAutoWatermarkInterval(ms: number): this {
    this.#autoWatermarkInterval = requireInteger('autoWatermarkInterval', ms, 0);
    return this;
  }

  getAutoWatermarkInterval(): number {
    return this.#autoWatermarkInterval;
  }

  /** A bounded, non-parallel stream of the given elements, in order. */
  fromCollection<T>(items: Iterable<T>, name = 'Collection Source'): DataStream<T> {
    return this.fromSource(collectionSource(items), undefined, name);
  }

  /**
   * A stream read from `source` by each of its parallel subtasks. With a watermark strategy, its
   * records have event time and it emits watermarks (per split), for event-time windows and timers.
   *
   * @example `env.fromSource(src, watermarks.boundedOutOfOrderness<Bid>((b) => b.dateTime, 5_000))`
   */
  fromSource<T>(source: Source<T>, name?: string): DataStream<T>;
  fromSource<T>(source: Source<T>, watermarkStrategy: WatermarkStrategy<T> | undefined, name?: string): DataStream<T>;
  fromSource<T>(source: Source<T>, strategyOrName?: WatermarkStrategy<T> | string, sourceName?: string): DataStream<T> {
    const watermarkStrategy = typeof strategyOrName === 'string' ? undefined : strategyOrName;
    const name = typeof strategyOrName === 'string' ? strategyOrName : (sourceName ?? 'Source');
    const t: SourceTransformation = {
      type: 'source',
      id: this.nextTransformationId(),
      name,
      uid: undefined,
      parallelism: undefined,
      maxParallelism: undefined,
      chainable: true,
      source: source as Source<unknown>,
      watermarkStrategy: watermarkStrategy as WatermarkStrategy<unknown> | undefined,
      autoWatermarkInterval: this.#autoWatermarkInterval,
    };
    this.addTransformation(t);
    return new DataStream<T>(this, t);
  }

  /** Runs the job; resolves when a bounded job has finished, rejects with a JobExecutionError. */
  execute(jobName = 'weir-job'): Promise<JobExecutionResult> {
    return this.executeAsync(jobName).result;
  }

  /** Starts the job and returns at once: for unbounded jobs that run until `cancel()`. Invalid graphs throw here. */
  executeAsync(jobName = 'weir-job'): JobClient {
    const cp = this.#checkpointing;
    // The interval as set when the job is submitted, whenever it was set.
    for (const t of this.#transformations) {
      if (t.type === 'source') t.autoWatermarkInterval = this.#autoWatermarkInterval;
      else if (t.type === 'operator' && t.operator.kind === 'timestampsAndWatermarks') t.operator.autoWatermarkInterval = this.#autoWatermarkInterval;
    }
    return JobManager.submit({
      checkpointing:
        cp === undefined
          ? null
          : {
              config: cp.config,
              storage:
                typeof cp.options.storage === 'object'
                  ? cp.options.storage
                  : new FsCheckpointStorage({ directory: cp.options.storage ?? './checkpoints', jobName }),
              fromCheckpoint: cp.options.fromCheckpoint,
              allowNonRestoredState: cp.options.allowNonRestoredState ?? false,
              fresh: cp.options.fresh ?? false,
            },
      restartStrategy: (this.#restartStrategy ?? (cp === undefined ? noRestart() : exponentialBackoff()))(),
      jobName,
      transformations: this.#transformations,
      parallelism: this.#parallelism,
      maxParallelism: this.#maxParallelism,
      batchSize: this.#batchSize,
      channelCapacity: this.#channelCapacity,
      cancellationTimeoutMs: this.#cancellationTimeoutMs,
      workers: this.#workers,
      stateBackend: this.#stateBackend,
      logger: this.#logger ?? createLogger(),
    });
  }

  /** @internal Used by DataStream to register operators. */
  addTransformation(t: Transformation): void {
    this.#transformations.push(t);
  }

  /** @internal */
  nextTransformationId(): number {
    return this.#nextId++;
  }
}
