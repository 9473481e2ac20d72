import type { DataStream, Source, StreamEnvironment } from '@weir/core';
import type { NexmarkConfig } from '../config.ts';
import type { NexmarkGenerator } from '../generator.ts';
import type { NexmarkEvent } from '../model.ts';

/**
 * One Nexmark query, twice: as a Weir job a user would write, and as the hand-written loop that
 * does the same work over the same events in one thread (the limit the job is measured against).
 * Both must produce the same records; the tests check them against a reference computation.
 */
export interface NexmarkQuery<R> {
  /** `'q0'`, `'q1'`, …: the name the bench and the results use. */
  readonly name: string;
  /** The query's title in the Nexmark suite. */
  readonly title: string;
  /** Records per second per core Flink 2.x reaches on this query (issue 15), when published. */
  readonly flinkPerCore: number | undefined;
  /**
   * True when the results depend on the wall clock (processing-time windows): how many records a
   * run emits varies, so the bench does not require every case to emit as many as the loop.
   */
  readonly nondeterministic?: boolean;
  /**
   * The query from its source to the stream a sink takes. It calls `env.fromSource(source)` itself,
   * so that an event-time query can give the source its watermark strategy (from `config`).
   */
  build(env: StreamEnvironment, source: Source<NexmarkEvent>, config: NexmarkConfig): DataStream<R>;
  /**
   * The same work as a hand-written loop: returns a function that runs it over positions
   * `from … to − 1`, passing each result to `emit` and keeping its state from one call to the next
   * (called with consecutive ranges from 0, so that a long run can report progress).
   */
  loop(generator: NexmarkGenerator, emit: (result: R) => void): LoopRun;
}

/**
 * What {@link NexmarkQuery.loop} returns: runs positions `from … to − 1`. A loop that keeps windows
 * or timers open also has `end`, called once after the last range: it emits what the job emits
 * when its input ends (a bounded source's final watermark, +∞, fires every event-time window and
 * timer still open).
 */
export interface LoopRun {
  (from: number, to: number): void;
  end?(): void;
}
