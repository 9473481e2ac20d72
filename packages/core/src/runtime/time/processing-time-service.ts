import type { Mailbox } from '../tasks/mailbox.ts';

/** Cancels a scheduled action (no effect once it ran). */
export type Cancel = () => void;

/**
 * Wall-clock time for a task (Flink's ProcessingTimeService): the time processing-time timers and
 * windows use, and a way to run an action on the task's own loop at a time. Actions run as mail,
 * between two records, never concurrently with the task: a timer that fires never interrupts a
 * record, and a task never sleeps waiting for one.
 */
export interface ProcessingTimeService {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Runs `action` on the task's loop once `now()` has reached `time` (at once if it has). */
  scheduleAt(time: number, action: (now: number) => void): Cancel;
}

/** setTimeout's limit (2^31-1 ms, about 24.8 days): longer waits are taken in steps. */
const MAX_DELAY = 2 ** 31 - 1;

/**
 * The processing-time service of a task: one `setTimeout` per scheduled action, which puts the
 * action into the task's mailbox when due. Callers schedule sparingly (the timer service only
 * when its earliest timer moves earlier, the watermark emitter once per interval), so a timeout
 * per action is cheap. `shutdown()` cancels every pending timeout when the task ends.
 */
export class MailboxProcessingTimeService implements ProcessingTimeService {
  readonly #pending = new Set<NodeJS.Timeout>();
  #shutdown = false;

  constructor(
    readonly mailbox: Mailbox,
    readonly clock: () => number = Date.now,
  ) {}

  now(): number {
    return this.clock();
  }

  scheduleAt(time: number, action: (now: number) => void): Cancel {
    if (this.#shutdown) return noop;
    let timer: NodeJS.Timeout | undefined;
    let cancelled = false;
    const arm = (): void => {
      const delay = Math.min(MAX_DELAY, Math.max(0, Math.ceil(time - this.clock())));
      timer = setTimeout(() => {
        this.#pending.delete(timer!);
        if (cancelled || this.#shutdown) return;
        const now = this.clock();
        if (now < time) return arm();
        this.mailbox.put(() => {
          if (!cancelled) action(this.clock());
        });
      }, delay);
      this.#pending.add(timer);
    };
    arm();
    return () => {
      cancelled = true;
      if (timer !== undefined) {
        clearTimeout(timer);
        this.#pending.delete(timer);
      }
    };
  }

  /** Cancels every pending action: the task has ended. */
  shutdown(): void {
    this.#shutdown = true;
    for (const t of this.#pending) clearTimeout(t);
    this.#pending.clear();
  }
}

function noop(): void {}
