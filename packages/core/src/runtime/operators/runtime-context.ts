import type { KeyedContext, KeyedRuntimeContext, RuntimeContext } from '../../api/functions.ts';
import type { Key } from '../../state/key.ts';
import type { KeyedStateBackend } from '../../state/state-backend.ts';
import type { OperatorContext } from './stream-operator.ts';

/** The read-only view of an operator's context that user functions get. */
export function runtimeContext(ctx: OperatorContext): RuntimeContext {
  return {
    jobName: ctx.jobName,
    operatorName: ctx.operatorName,
    operatorUid: ctx.operatorUid,
    subtaskIndex: ctx.subtaskIndex,
    parallelism: ctx.parallelism,
    maxParallelism: ctx.maxParallelism,
  };
}

/** Context of a keyed function: state by descriptor and the current key. One object per subtask, reused per record. */
export function keyedContext<K extends Key>(ctx: OperatorContext): KeyedContext<K> & KeyedRuntimeContext {
  const backend = requireKeyedBackend(ctx);
  return {
    ...runtimeContext(ctx),
    getCurrentKey: () => backend.getCurrentKey() as K,
    getState: (d) => backend.getValueState(d),
    getListState: (d) => backend.getListState(d),
    getMapState: (d) => backend.getMapState(d),
    getReducingState: (d) => backend.getReducingState(d),
  };
}

export function requireKeyedBackend(ctx: OperatorContext): KeyedStateBackend {
  if (ctx.keyedBackend === null) {
    throw new Error(
      `operator '${ctx.operatorName}' uses keyed state but its input is not keyed: call keyBy(...) before it`,
    );
  }
  return ctx.keyedBackend;
}
