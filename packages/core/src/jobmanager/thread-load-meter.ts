import type { EventLoopUtilization } from 'node:perf_hooks';
import type { ThreadLoad } from './deployment.ts';

/** The shortest window a utilization figure covers. */
const WINDOW_MS = 1000;

interface Sample {
  readonly elu: EventLoopUtilization;
  readonly at: number;
}

/**
 * Event-loop utilization per thread over a window of 1 to 2 seconds, whoever reads it and how
 * often: the status line, the dashboard and each Prometheus scrape read the same figure rather than
 * cutting each other's windows short. `busyMs` is cumulative, so a reader that keeps its previous
 * reading can work out a share of its own.
 */
export class ThreadLoadMeter {
  /** Per thread: the sample the window starts at, and the newer one that takes over after a second. */
  readonly #samples = new Map<number, { from: Sample; next: Sample }>();

  read(thread: number, utilization: (a?: EventLoopUtilization, b?: EventLoopUtilization) => EventLoopUtilization): ThreadLoad {
    const now: Sample = { elu: utilization(), at: performance.now() };
    let s = this.#samples.get(thread);
    // A thread that went back in time is a new one (a worker that replaced a dead one).
    if (s === undefined || now.elu.active + now.elu.idle < s.next.elu.active + s.next.elu.idle) {
      s = { from: now, next: now };
      this.#samples.set(thread, s);
      // No window yet: the share since the thread started.
      return { thread, utilization: now.elu.utilization, busyMs: now.elu.active };
    }
    if (now.at - s.next.at >= WINDOW_MS) s = { from: s.next, next: now };
    this.#samples.set(thread, s);
    const share = now.at - s.from.at > 0 ? utilization(now.elu, s.from.elu).utilization : now.elu.utilization;
    return { thread, utilization: share, busyMs: now.elu.active };
  }

}
