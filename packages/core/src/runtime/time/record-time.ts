/**
 * The event time of the record being processed in a task, shared by the task's operator chain
 * (Flink carries it in each StreamRecord; Weir keeps records plain and the time beside them). The
 * task sets it before handing a record to the chain: from the batch's `timestamps`, or from the
 * source's timestamp assigner. An operator that emits with another time (a window: its end; an
 * event-time timer: its time) sets it before `collect`; chained operators that do not touch it
 * keep the input's time for their output, as in Flink. `NaN`: the record has no event time.
 *
 * One field write per record, no allocation: the time travels to the next task only on edges that
 * carry timestamps (see `Batch.timestamps`).
 */
export class RecordTime {
  timestamp = NaN;
}
