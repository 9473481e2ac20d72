import { describe, expect, it } from 'vitest';
import { StatusWatermarkValve } from './status-watermark-valve.ts';

/** A valve over `n` channels and what it emitted, as `w<ts>` and `idle`/`active`. */
function valve(n: number): { v: StatusWatermarkValve; out: string[] } {
  const out: string[] = [];
  const v = new StatusWatermarkValve(n, { watermark: (ts) => out.push(`w${ts}`), status: (idle) => out.push(idle ? 'idle' : 'active') });
  return { v, out };
}

describe('StatusWatermarkValve', () => {
  it('emits the minimum over channels, only when it advances', () => {
    const { v, out } = valve(2);
    v.inputWatermark(10, 0);
    v.inputWatermark(5, 1);
    v.inputWatermark(20, 1);
    v.inputWatermark(8, 0); // backwards on a channel: ignored
    v.inputWatermark(30, 0);
    expect(out).toEqual(['w5', 'w10', 'w20']);
    expect(v.current).toBe(20);
  });

  it('leaves an idle channel out, and emits idle when every channel is idle', () => {
    const { v, out } = valve(2);
    v.inputWatermark(10, 0);
    v.inputWatermark(3, 1);
    v.inputStatus(true, 1);
    v.inputWatermark(15, 0);
    v.inputStatus(true, 0);
    expect(out).toEqual(['w3', 'w10', 'w15', 'idle']);
  });

  it('counts a channel that became active again once it caught up', () => {
    const { v, out } = valve(2);
    v.inputWatermark(10, 0);
    v.inputWatermark(10, 1);
    v.inputStatus(true, 1);
    v.inputWatermark(20, 0);
    v.inputStatus(false, 1);
    v.inputWatermark(12, 1); // behind the task's 20: not aligned, does not hold it back
    v.inputWatermark(30, 0);
    v.inputWatermark(35, 1); // caught up with 30: counts again
    v.inputWatermark(40, 0);
    expect(out).toEqual(['w10', 'w20', 'w30', 'w35']);
  });

  it('when the last active channel goes idle, flushes to the largest watermark of any channel', () => {
    const { v, out } = valve(2);
    v.inputWatermark(50, 0);
    v.inputWatermark(10, 1);
    v.inputStatus(true, 0);
    v.inputStatus(true, 1);
    expect(out).toEqual(['w10', 'w50', 'idle']);
  });

  it('lets an ended channel hold nothing back, and ends at +∞ once all ended', () => {
    const { v, out } = valve(2);
    v.inputWatermark(7, 1);
    v.endOfInput(0);
    v.endOfInput(1);
    expect(out).toEqual(['w7', 'wInfinity']);
  });
});
