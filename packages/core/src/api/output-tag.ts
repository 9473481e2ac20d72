/**
 * Names a side output of an operator (Flink's OutputTag): a second stream of type `T` besides the
 * main output, such as the late records of a window. The id must be unique within the job.
 *
 * @example
 * ```ts
 * const late = new OutputTag<Bid>('late-bids');
 * const counts = bids.keyBy((b) => b.auction).window(tumblingEventTime({ size: 10_000 })).sideOutputLateData(late).aggregate(count);
 * counts.getSideOutput(late).sinkTo(lateSink);
 * ```
 */
export class OutputTag<T> {
  declare readonly __type?: T;
  constructor(readonly id: string) {
    if (typeof id !== 'string' || id === '') throw new TypeError('an OutputTag needs a non-empty id');
  }
}
