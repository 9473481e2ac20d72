import type { Cancel, ProcessingTimeService } from './processing-time-service.ts';

/**
 * A processing-time service whose clock only moves when a test says so (as Flink's
 * TestProcessingTimeService): `advanceTo(t)` runs, in time order, every action due by `t`.
 */
export class ManualProcessingTimeService implements ProcessingTimeService {
  #now: number;
  #actions: { time: number; seq: number; action: (now: number) => void; cancelled: boolean }[] = [];
  #seq = 0;

  constructor(start = 0) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  scheduleAt(time: number, action: (now: number) => void): Cancel {
    const entry = { time, seq: this.#seq++, action, cancelled: false };
    this.#actions.push(entry);
    return () => {
      entry.cancelled = true;
    };
  }

  /** Moves the clock to `time`, running every action due by then (including ones they schedule). */
  advanceTo(time: number): void {
    for (;;) {
      const due = this.#actions.filter((a) => !a.cancelled && a.time <= time).sort((a, b) => a.time - b.time || a.seq - b.seq)[0];
      if (due === undefined) break;
      this.#actions.splice(this.#actions.indexOf(due), 1);
      this.#now = Math.max(this.#now, due.time);
      due.action(this.#now);
    }
    this.#now = Math.max(this.#now, time);
    this.#actions = this.#actions.filter((a) => !a.cancelled);
  }

  /** Actions scheduled and not run or cancelled. */
  get pending(): number {
    return this.#actions.filter((a) => !a.cancelled).length;
  }
}
