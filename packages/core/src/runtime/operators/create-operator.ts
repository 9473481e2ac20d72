import type { OperatorSpec } from '../../graph/operator-spec.ts';
import type { Output } from '../output/output.ts';
import { CoProcessOperator } from './co-process-operator.ts';
import { copyPerSubtask } from './copy-per-subtask.ts';
import { IntervalJoinOperator } from './interval-join-operator.ts';
import { KeyedCoProcessOperator } from './keyed-co-process-operator.ts';
import { KeyedProcessOperator } from './keyed-process-operator.ts';
import { ReduceOperator } from './reduce-operator.ts';
import { ProcessOperator } from './process-operator.ts';
import { FilterOperator, FlatMapOperator, MapOperator } from './simple-operators.ts';
import { SinkOperator } from './sink-operator.ts';
import type { OperatorContext, StreamOperator } from './stream-operator.ts';
import { TimestampsAndWatermarksOperator } from './timestamps-and-watermarks-operator.ts';
import { AlignedWindowOperator } from './window/aligned-window-operator.ts';
import { SessionWindowOperator } from './window/session-window-operator.ts';
import { TriggerWindowOperator } from './window/trigger-window-operator.ts';

/** Builds one subtask's operator from what the API described. */
export function createOperator(spec: OperatorSpec, ctx: OperatorContext, output: Output<unknown>): StreamOperator<unknown> {
  switch (spec.kind) {
    case 'map':
      return new MapOperator(ctx, output, spec.fn);
    case 'filter':
      return new FilterOperator(ctx, output, spec.fn);
    case 'flatMap':
      return new FlatMapOperator(ctx, output, spec.fn);
    case 'process':
      return new ProcessOperator(ctx, output, copyPerSubtask(spec.fn));
    case 'reduce':
      return new ReduceOperator(ctx, output, spec.fn);
    case 'keyedProcess':
      return new KeyedProcessOperator(ctx, output, copyPerSubtask(spec.fn));
    case 'window': {
      const own = { ...spec, windowFunction: spec.windowFunction === undefined ? undefined : copyPerSubtask(spec.windowFunction) };
      if (spec.trigger !== undefined || spec.evictor !== undefined || spec.assigner.kind === 'global') return new TriggerWindowOperator(ctx, output, own);
      return spec.assigner.kind === 'session' ? new SessionWindowOperator(ctx, output, own) : new AlignedWindowOperator(ctx, output, own);
    }
    case 'coProcess':
      return new CoProcessOperator(ctx, output, copyPerSubtask(spec.fn));
    case 'keyedCoProcess':
      return new KeyedCoProcessOperator(ctx, output, copyPerSubtask(spec.fn));
    case 'intervalJoin':
      return new IntervalJoinOperator(ctx, output, { ...spec, fn: copyPerSubtask(spec.fn) });
    case 'timestampsAndWatermarks':
      return new TimestampsAndWatermarksOperator(ctx, output, spec.strategy, spec.autoWatermarkInterval);
    case 'sink':
      return new SinkOperator(
        ctx,
        spec.sink.createWriter({
          jobName: ctx.jobName,
          operatorUid: ctx.operatorUid,
          subtaskIndex: ctx.subtaskIndex,
          parallelism: ctx.parallelism,
          logger: ctx.logger,
          restoredState: ctx.restoredLists?.writer,
          checkpointing: ctx.checkpointing,
          epoch: ctx.fencing.epoch,
          checkLease: ctx.fencing.checkLease,
        }),
      );
  }
}
