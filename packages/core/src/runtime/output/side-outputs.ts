import type { ControlEvent } from '../events.ts';
import type { Output } from './output.ts';

/**
 * The output of an operator that has side outputs (Flink's side outputs, by OutputTag): records go
 * to the main output, or by tag to a side output; control events and flushes go to every one, so
 * that barriers, watermarks and end-of-stream reach the operators that read a side output too.
 */
export class OutputWithSideOutputs<T> implements Output<T> {
  constructor(
    readonly main: Output<T>,
    readonly sides: ReadonlyMap<string, Output<unknown>>,
  ) {}

  collect(record: T): void {
    this.main.collect(record);
  }

  emitEvent(event: ControlEvent): void {
    this.main.emitEvent(event);
    for (const s of this.sides.values()) s.emitEvent(event);
  }

  flush(): void {
    this.main.flush();
    for (const s of this.sides.values()) s.flush();
  }
}
