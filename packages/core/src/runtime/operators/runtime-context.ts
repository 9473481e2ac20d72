import type { RuntimeContext } from '../../api/functions.ts';
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

export function requireKeyedBackend(ctx: OperatorContext): KeyedStateBackend {
  if (ctx.keyedBackend === null) {
    throw new Error(
      `operator '${ctx.operatorName}' uses keyed state but its input is not keyed: call keyBy(...) before it`,
    );
  }
  return ctx.keyedBackend;
}
