/**
 * One window operator subtask in the keyed operator harness, for the window tests: it emits
 * `key[start,end)=contents` (the records, or the one result, joined; objects as JSON).
 */
import type { Evictor, Trigger, WindowAssigner } from '@weir/core';
import type { WindowContents, WindowSpec } from '../../packages/core/src/graph/operator-spec.ts';
import { KeyedOperatorHarness } from '../../packages/core/src/runtime/operators/testing/keyed-operator-harness.ts';

const show = (e: unknown): string => (typeof e === 'object' && e !== null ? JSON.stringify(e) : String(e));

export interface WindowHarnessOptions {
  readonly lateness?: number;
  /** Side output tag for late records (read them from `sides.get(tag)`). */
  readonly lateTag?: string;
  readonly contents?: WindowContents;
  readonly trigger?: Trigger<unknown>;
  readonly evictor?: Evictor<unknown>;
}

export function windowHarness(assigner: WindowAssigner, options: WindowHarnessOptions = {}): Promise<KeyedOperatorHarness> {
  const spec: WindowSpec = {
    kind: 'window',
    assigner,
    contents: options.contents ?? { type: 'list' },
    windowFunction: {
      process: (key, ctx, elements, out) => out.collect(`${String(key)}[${ctx.window.start},${ctx.window.end})=${elements.map(show).join(',')}`),
    },
    allowedLateness: options.lateness ?? 0,
    lateTag: options.lateTag,
    trigger: options.trigger,
    evictor: options.evictor,
  };
  return new KeyedOperatorHarness(spec, { sideTags: options.lateTag === undefined ? [] : [options.lateTag] }).open();
}
