import type { LevelWithSilent } from 'pino';
import type { DataStream } from '../api/data-stream.ts';
import { StreamEnvironment, type EnvironmentOptions } from '../api/stream-environment.ts';
import { collectSink } from '../connector/collect-sink.ts';
import { createLogger } from '../util/logger.ts';

/** Options of {@link executeAndCollect}: those of `StreamEnvironment.create`, and the job's name. */
export interface ExecuteAndCollectOptions extends EnvironmentOptions {
  /** Default `'test-job'`; also the checkpoint directory's name if the pipeline checkpoints. */
  readonly jobName?: string;
}

/**
 * Runs a pipeline on bounded input and resolves with every record it produced, in arrival order
 * (Flink's `DataStream.executeAndCollect`): the helper for testing a job without its real source
 * and sink. `pipeline` gets a fresh environment, builds streams on it and returns the one to
 * collect; the job then runs to its end, its output kept in memory. Logs are silent unless
 * `WEIR_LOG_LEVEL` is set (or a `logger` is given).
 *
 * Every source must be bounded (`env.fromCollection`, `generatorSource` with a `count`): the
 * promise resolves when the job finishes, and rejects with the `JobExecutionError` if it fails.
 *
 * @example
 * ```ts
 * // jobs/word-lengths.ts
 * export const wordLengths = (words: DataStream<string>) => words.map((w) => w.length);
 * export default (env: StreamEnvironment) => wordLengths(env.fromSource(redisStreamSource(...))).sinkTo(printSink());
 *
 * // test/word-lengths.test.ts
 * const out = await executeAndCollect((env) => wordLengths(env.fromCollection(['a', 'weir'])));
 * expect(out).toEqual([1, 4]);
 * ```
 * @see collectSink, the sink it collects with, to collect from a job of several sinks.
 */
export async function executeAndCollect<T>(
  pipeline: (env: StreamEnvironment) => DataStream<T> | Promise<DataStream<T>>,
  options: ExecuteAndCollectOptions = {},
): Promise<T[]> {
  const { jobName = 'test-job', ...environment } = options;
  const level = (process.env.WEIR_LOG_LEVEL as LevelWithSilent | undefined) ?? 'silent';
  const env = StreamEnvironment.create({ logger: createLogger(level), ...environment });
  const sink = collectSink<T>();
  (await pipeline(env)).sinkTo(sink);
  await env.execute(jobName);
  return sink.values;
}
