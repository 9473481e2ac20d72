import { rejectUnknownOptions, type Sink, type SinkWriter, type SinkWriterContext } from '@weir/core';
import { resolveConnection, type RedisConnection } from '../connection.ts';
import { DEFAULT_BATCH_SIZE, BufferedRedisWriter } from './buffered-writer.ts';
import { ExactlyOnceRedisWriter } from './exactly-once-writer.ts';
import type { SinkTarget } from './target.ts';

/** Options every Redis sink takes. */
export interface RedisSinkOptions {
  /** A URL, ioredis options, or a client (which Weir then never closes). */
  readonly redis: RedisConnection;
  /**
   * Two-phase commit on checkpoints: output appears once per record, only after the checkpoint
   * that covers it completes. Default false: at-least-once, written as soon as it is batched.
   */
  readonly exactlyOnce?: boolean;
  /** At-least-once: records per pipelined batch. Default 1000. */
  readonly batchSize?: number;
  /**
   * Exactly-once: entries per staged chunk, the unit `commit-4.lua` moves in one call. Sized so
   * that one call holds Redis for at most ~20 ms; the default depends on the target.
   */
  readonly chunkSize?: number;
  /** First segment of the stage, commit-marker and fence keys of exactly-once sinks. Default `weir`. */
  readonly prefix?: string;
}

/** The keys of {@link RedisSinkOptions}: every sink accepts these and its own. */
const COMMON_OPTIONS = ['redis', 'exactlyOnce', 'batchSize', 'chunkSize', 'prefix'] as const;

/**
 * Rejects option keys a sink does not read (a misspelled `exactlyOnce` would otherwise give
 * at-least-once output silently) with a `ConfigError` naming the key and the nearest valid one.
 */
export function checkSinkOptions(what: string, options: object, own: readonly string[]): void {
  rejectUnknownOptions(what, options, [...COMMON_OPTIONS, ...own]);
}

/** Commit markers kept per sink subtask: far more than checkpoints a restore can go back. */
const KEEP_MARKERS = 1000;

/** Builds the sink: each subtask gets its own connection (or shares the client passed in). */
export function redisSink<T>(options: RedisSinkOptions, target: () => SinkTarget<T>, defaultChunkSize: number): Sink<T> {
  const batchSize = positiveInteger('batchSize', options.batchSize ?? DEFAULT_BATCH_SIZE);
  const chunkSize = positiveInteger('chunkSize', options.chunkSize ?? defaultChunkSize);
  return {
    createWriter(ctx: SinkWriterContext): SinkWriter<T> {
      const connection = resolveConnection(options.redis, `weir:sink:${ctx.operatorUid}:${ctx.subtaskIndex}`, {
        onError: (err) => ctx.logger.debug({ err }, 'Redis sink connection error'),
      });
      if (options.exactlyOnce !== true) return new BufferedRedisWriter(connection, target(), batchSize);
      const keys = options.prefix === undefined ? {} : { prefix: options.prefix };
      return new ExactlyOnceRedisWriter(connection, target(), { chunkSize, keepMarkers: KEEP_MARKERS, keys }, ctx);
    },
  };
}

function positiveInteger(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 1) throw new RangeError(`Redis sink option '${name}' must be an integer ≥ 1, got ${String(value)}`);
  return value;
}
