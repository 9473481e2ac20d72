import type { InputStatus, Source, SourceOutput, SourceReader, SourceReaderContext } from './source.ts';

/** The position in a collection: the index of the next element to emit. */
export interface CollectionPosition {
  readonly next: number;
}

const RECORDS_PER_POLL = 512;

/**
 * A bounded, non-parallel source over the elements of an array or iterable, in order (Flink's
 * `fromCollection`). The elements are copied once when the job is defined.
 */
export function collectionSource<T>(items: Iterable<T>): Source<T, CollectionPosition> {
  const elements = Array.from(items);
  return {
    boundedness: 'bounded',
    maxParallelism: 1,
    createReader(ctx) {
      return new CollectionReader(elements, ctx);
    },
  };
}

class CollectionReader<T> implements SourceReader<T, CollectionPosition> {
  #next: number;

  constructor(
    readonly elements: readonly T[],
    ctx: SourceReaderContext<CollectionPosition>,
  ) {
    this.#next = ctx.restoredState?.[0]?.next ?? 0;
  }

  pollNext(output: SourceOutput<T>): InputStatus {
    const end = Math.min(this.elements.length, this.#next + RECORDS_PER_POLL);
    for (let i = this.#next; i < end; i++) output.collect(this.elements[i]);
    this.#next = end;
    return end < this.elements.length ? 'more' : 'end';
  }

  isAvailable(): Promise<void> {
    return Promise.resolve();
  }

  snapshotState(): CollectionPosition[] {
    return [{ next: this.#next }];
  }
}
