import type { KeyedContext, KeyedRuntimeContext, RuntimeContext } from '../../api/functions.ts';
import type { Key } from '../../state/key.ts';
import type { KeyedStateBackend } from '../../state/state-backend.ts';
import type { OperatorContext } from './stream-operator.ts';
import type { OperatorStateStore } from '../../state/operator/operator-state-store.ts';

/** The view of an operator's context that user functions get; `store` holds its operator list state. */
export function runtimeContext(ctx: OperatorContext, store: OperatorStateStore): RuntimeContext {
  return {
    jobName: ctx.jobName,
    operatorName: ctx.operatorName,
    operatorUid: ctx.operatorUid,
    subtaskIndex: ctx.subtaskIndex,
    parallelism: ctx.parallelism,
    maxParallelism: ctx.maxParallelism,
    getOperatorListState: (d) => store.getListState(d),
  };
}

/** Context of a keyed function: state by descriptor and the current key. One object per subtask, reused per record. */
export function keyedContext<K extends Key>(ctx: OperatorContext, store: OperatorStateStore): KeyedContext<K> & KeyedRuntimeContext {
  const backend = requireKeyedBackend(ctx);
  return {
    ...runtimeContext(ctx, store),
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
