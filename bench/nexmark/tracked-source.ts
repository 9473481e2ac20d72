/**
 * A generator source wrapped for measuring, without touching the record path: when the first
 * reader was first polled, how many events the readers have emitted (read from their split
 * positions, the numbers a checkpoint would record) and when the last reader reached the end of
 * its input.
 */
import type { GeneratorSplit, Source, SourceReader } from '@weir/core';

export class SourceTracker {
  readonly #readers: SourceReader<unknown, GeneratorSplit>[] = [];
  readonly #ended = new Set<SourceReader<unknown, GeneratorSplit>>();
  /** `performance.now()` at the first poll of any reader (the job is deployed and open by then). */
  startedAt: number | undefined;
  /** Called once, at the first poll. */
  onStart: (() => void) | undefined;
  /** `performance.now()` when every reader had ended; undefined before. */
  endedAt: number | undefined;
  /** Called once, when the last reader ends (on the task's loop, right after its last record). */
  onEnd: (() => void) | undefined;

  /** Events emitted so far, over every reader. */
  emitted(): number {
    let n = 0;
    for (const reader of this.#readers) {
      for (const s of reader.snapshotState?.(0) ?? []) n += Math.max(0, Math.ceil((s.next - s.split) / s.splits));
    }
    return n;
  }

  wrap<T>(source: Source<T, GeneratorSplit>): Source<T, GeneratorSplit> {
    return {
      boundedness: source.boundedness,
      ...(source.maxParallelism === undefined ? {} : { maxParallelism: source.maxParallelism }),
      createReader: (ctx) => {
        const reader = source.createReader(ctx);
        this.#readers.push(reader as SourceReader<unknown, GeneratorSplit>);
        const parallelism = ctx.parallelism;
        return {
          start: () => reader.start?.(),
          pollNext: (output) => {
            if (this.startedAt === undefined) {
              this.startedAt = performance.now();
              this.onStart?.();
            }
            const status = reader.pollNext(output);
            if (status === 'end' && !this.#ended.has(reader as SourceReader<unknown, GeneratorSplit>)) {
              this.#ended.add(reader as SourceReader<unknown, GeneratorSplit>);
              if (this.#ended.size === parallelism) {
                this.endedAt = performance.now();
                this.onEnd?.();
              }
            }
            return status;
          },
          isAvailable: () => reader.isAvailable(),
          snapshotState: (checkpointId) => reader.snapshotState?.(checkpointId) ?? [],
          notifyCheckpointComplete: (checkpointId) => reader.notifyCheckpointComplete?.(checkpointId),
          notifyCheckpointAborted: (checkpointId) => reader.notifyCheckpointAborted?.(checkpointId),
          close: () => reader.close?.(),
        };
      },
    };
  }
}
