import { resolveCheckpointConfig, type CheckpointConfigOptions } from '../checkpoint-config.ts';
import { CheckpointCoordinator, type CheckpointLogger } from '../coordinator.ts';
import type { OperatorDescriptor } from '../pending-checkpoint.ts';
import type { OperatorSubtaskState, SubtaskCheckpointMetrics } from '../types.ts';
import { InMemoryCompletedCheckpointStore } from './in-memory-completed-checkpoint-store.ts';
import { InMemoryCheckpointStorage } from './in-memory-storage.ts';
import { ManualTimer } from './manual-timer.ts';
import { ValidatingTaskGateway } from './validating-task-gateway.ts';

/**
 * A coordinator wired to test doubles: a source (`src`, parallelism 2) and a sink (`sink`,
 * parallelism 1), three task keys, manual time, in-memory storage and store, a validating gateway
 * and a logger that records lines with their bindings.
 */
export function coordinatorHarness(interval = 1_000, options: CheckpointConfigOptions = {}) {
  const timer = new ManualTimer(1_000_000);
  const storage = new InMemoryCheckpointStorage({ jobName: 'test-job' });
  const config = resolveCheckpointConfig(interval, options);
  const store = new InMemoryCompletedCheckpointStore(storage, config.retained);
  const tasks = new ValidatingTaskGateway((id) => storage.isFinalized(id));
  const logger = new RecordingLogger();
  const failJobErrors: Error[] = [];
  let nextId = 1;
  const coordinator = new CheckpointCoordinator({
    jobName: 'test-job',
    config,
    storage,
    store,
    tasks,
    operators: OPERATORS,
    taskKeys: TASK_KEYS,
    idCounter: { getAndIncrement: () => nextId++ },
    clock: timer,
    timer,
    logger,
    onFailJob: (error) => failJobErrors.push(error),
  });
  /** Every task acknowledges `checkpointId` with some state; returns the results. */
  const acknowledgeAll = (checkpointId: number) => TASK_KEYS.map((taskKey) => coordinator.acknowledge(checkpointId, taskKey, stateOf(taskKey), METRICS));
  return { coordinator, timer, storage, store, tasks, logger, failJobErrors, config, acknowledgeAll };
}

export const OPERATORS: readonly OperatorDescriptor[] = [
  { uid: 'src', name: 'Source: numbers', parallelism: 2, maxParallelism: 128 },
  { uid: 'map', name: 'Map', parallelism: 2, maxParallelism: 128 },
  { uid: 'sink', name: 'Sink: print', parallelism: 1, maxParallelism: 128 },
];
export const TASK_KEYS: readonly string[] = ['v1#0', 'v1#1', 'v2#0'];
export const METRICS: SubtaskCheckpointMetrics = { alignmentMs: 1, syncMs: 2, asyncMs: 3, stateSize: 10 };

/** Source subtasks (`v1`, chaining `src` and `map`) report operator state for `src`; the sink reports keyed state. */
export function stateOf(taskKey: string): Record<string, OperatorSubtaskState> {
  const handle = { path: `${taskKey}-state`, size: 10, checksum: '00000000' };
  if (taskKey.startsWith('v1#')) return { src: { operator: { lists: { offsets: 1 }, handle } } };
  return { sink: { keyed: { range: { start: 0, end: 127 }, offsets: [0], handle } } };
}

/** One recorded log line: level, the bindings of its child logger, the fields and the message. */
export interface LogLine {
  readonly level: 'info' | 'warn' | 'error' | 'debug';
  readonly bindings: Readonly<Record<string, unknown>>;
  readonly fields: object;
  readonly msg: string | undefined;
}

/** A pino-like logger that records lines (shared by all its children) instead of printing them. */
export class RecordingLogger implements CheckpointLogger {
  readonly lines: LogLine[];
  readonly #bindings: Readonly<Record<string, unknown>>;

  constructor(bindings: Readonly<Record<string, unknown>> = {}, lines: LogLine[] = []) {
    this.#bindings = bindings;
    this.lines = lines;
  }

  info(fields: object, msg?: string): void {
    this.lines.push({ level: 'info', bindings: this.#bindings, fields, msg });
  }
  warn(fields: object, msg?: string): void {
    this.lines.push({ level: 'warn', bindings: this.#bindings, fields, msg });
  }
  error(fields: object, msg?: string): void {
    this.lines.push({ level: 'error', bindings: this.#bindings, fields, msg });
  }
  debug(fields: object, msg?: string): void {
    this.lines.push({ level: 'debug', bindings: this.#bindings, fields, msg });
  }
  child(bindings: Record<string, unknown>): RecordingLogger {
    return new RecordingLogger({ ...this.#bindings, ...bindings }, this.lines);
  }
}
