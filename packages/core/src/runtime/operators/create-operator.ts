import type { KeyedContext, KeyedRuntimeContext } from '../../api/functions.ts';
import type { OperatorSpec } from '../../graph/operator-spec.ts';
import type { Key } from '../../state/key.ts';
import type { Output } from '../output/output.ts';
import { copyPerSubtask } from './copy-per-subtask.ts';
import { ReduceOperator } from './reduce-operator.ts';
import { keyedContext } from './runtime-context.ts';
import { ProcessOperator } from './process-operator.ts';
import { FilterOperator, FlatMapOperator, MapOperator } from './simple-operators.ts';
import { SinkOperator } from './sink-operator.ts';
import type { OperatorContext, StreamOperator } from './stream-operator.ts';

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
      return new ProcessOperator<unknown, unknown, KeyedContext<Key> & KeyedRuntimeContext>(ctx, output, copyPerSubtask(spec.fn), keyedContext);
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
