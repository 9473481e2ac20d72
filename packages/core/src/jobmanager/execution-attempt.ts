import type { Logger } from 'pino';
import type { ExecutionGraph } from '../graph/execution-graph.ts';
import { LocalTransport } from '../runtime/channel/local-transport.ts';
import { CancelledError } from '../runtime/errors.ts';
import { buildTask, type DeployedTask, type TaskBuildContext } from '../runtime/task-builder.ts';

/**
 * One run of every subtask of a job, from deployment until all finish, one fails, or it is
 * cancelled. The first failure cancels every other task; the attempt then rejects with that
 * failure, never with the cancellations it caused.
 */
export class ExecutionAttempt {
  readonly transport = new LocalTransport();
  readonly tasks: readonly DeployedTask[];
  #failure: unknown = undefined;
  #cancelled = false;

  constructor(
    readonly graph: ExecutionGraph,
    build: Omit<TaskBuildContext, 'transport'>,
    readonly logger: Logger,
  ) {
    const ctx = { ...build, transport: this.transport };
    this.tasks = graph.subtasks.map((s) => buildTask(s, ctx));
  }

  /** Resolves 'finished' or 'cancelled'; rejects with the first task failure. */
  async run(): Promise<'finished' | 'cancelled'> {
    await Promise.all(
      this.tasks.map(({ task }) =>
        task.invoke().catch((e: unknown) => {
          if (e instanceof CancelledError) return;
          if (this.#failure === undefined) {
            this.#failure = e;
            this.logger.error({ task: task.info.taskKey, err: e }, 'task failed; cancelling the other tasks');
            this.#cancelAll();
          }
        }),
      ),
    );
    if (this.#failure !== undefined) throw this.#failure;
    return this.#cancelled ? 'cancelled' : 'finished';
  }

  /** Fails the attempt from outside the tasks (e.g. too many failed checkpoints). */
  fail(error: unknown): void {
    if (this.#failure !== undefined) return;
    this.#failure = error;
    this.logger.error({ err: error }, 'attempt failed; cancelling every task');
    this.#cancelAll();
  }

  /** Stops every task at its next step; `run()` then resolves 'cancelled'. */
  cancel(): void {
    this.#cancelled = true;
    this.#cancelAll();
  }

  #cancelAll(): void {
    for (const { task } of this.tasks) task.cancel();
    this.transport.close();
  }
}
