import type { Collector } from '../../api/functions.ts';
import type { ControlEvent } from '../events.ts';

/**
 * Where an operator sends what it emits: the next chained operator, or a writer that batches
 * records into channels. Control events flush pending records first, so they stay in order.
 */
export interface Output<T> extends Collector<T> {
  /** Sends a control event after every record collected so far. */
  emitEvent(event: ControlEvent): void;
  /** Pushes partially filled batches into their channels (the task is about to wait). */
  flush(): void;
}

/**
 * An output that ends a chain in channels and counts the records it sent, per batch (never per
 * record): read for metrics, never reset.
 */
export interface CountingOutput<T> extends Output<T> {
  readonly recordsOut: number;
}
