/**
 * The graphs `JobManager.submit` would build for a job, for tests that look at them (chaining) or
 * hand them to internals (restore). Internals of @weir/core are imported by path with `.js`: tsc -b
 * rejects a relative `.ts` import into the referenced core project (TS2878,
 * rewriteRelativeImportExtensions); vitest maps `.js` to `.ts`.
 */
import type { DataStreamSink } from '@weir/core';
import type { Transformation } from '../../packages/core/src/graph/transformation.js';

/**
 * The transformations a job consists of, collected by walking upstream from its sinks (the
 * environment keeps its own list private), in definition order as the environment would pass them.
 */
export function transformationsOf(sinks: readonly DataStreamSink<unknown>[]): Transformation[] {
  const seen = new Map<number, Transformation>();
  const visit = (t: Transformation): void => {
    if (seen.has(t.id)) return;
    seen.set(t.id, t);
    if (t.type === 'union') t.inputs.forEach(visit);
    else if (t.type !== 'source') visit(t.input);
  };
  sinks.forEach((s) => visit(s.transformation));
  return [...seen.values()].sort((a, b) => a.id - b.id);
}
