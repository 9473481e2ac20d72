import type { TimerService } from '../../api/functions.ts';
import type { Key } from '../../state/key.ts';
import type { KeyedStateBackend } from '../../state/state-backend.ts';
import { TIMER_STATE_PREFIX, type KeyGroupedTimerQueue } from '../../state/timers/key-grouped-timer-queue.ts';
import type { Cancel, ProcessingTimeService } from './processing-time-service.ts';

/** What fires: the operator that owns the timers, called with the timer's key set as the current key. */
export interface Triggerable {
  onEventTime(timestamp: number, key: Key): void;
  onProcessingTime(timestamp: number, key: Key): void;
}

export const EVENT_TIMERS = `${TIMER_STATE_PREFIX}event`;
export const PROCESSING_TIMERS = `${TIMER_STATE_PREFIX}processing`;

/**
 * The timers of a keyed operator subtask (Flink's InternalTimerServiceImpl): event-time timers
 * fire when a watermark reaches them, processing-time timers when the wall clock does; both in
 * timestamp order, each (key, timestamp) once, with its key set on the keyed backend. Timers are
 * keyed state (two {@link KeyGroupedTimerQueue}s of the backend): checkpointed, restored and
 * rescaled with their key groups.
 *
 * Processing-time timers never block: one wake-up is scheduled for the earliest, as mail on the
 * task's loop, and moved only when an earlier timer is registered. A restored timer whose time has
 * passed fires as soon as the task runs.
 */
export class InternalTimerService implements TimerService {
  readonly #event: KeyGroupedTimerQueue;
  readonly #processing: KeyGroupedTimerQueue;
  readonly #start: number;
  #watermark = -Infinity;
  /** When the scheduled wake-up is due; Infinity: none scheduled. */
  #wakeAt = Infinity;
  #cancelWake: Cancel | undefined;
  #firingProcessing = false;
  #stopped = false;

  constructor(
    readonly backend: KeyedStateBackend,
    readonly processingTime: ProcessingTimeService,
    readonly target: Triggerable,
  ) {
    this.#event = backend.getTimerQueue(EVENT_TIMERS);
    this.#processing = backend.getTimerQueue(PROCESSING_TIMERS);
    this.#start = backend.keyGroupRange.start;
  }

  /** Schedules the wake-up for restored processing-time timers; call once the operator is open. */
  start(): void {
    this.#schedule();
  }

  stop(): void {
    this.#stopped = true;
    this.#cancelWake?.();
    this.#cancelWake = undefined;
    this.#wakeAt = Infinity;
  }

  currentWatermark(): number {
    return this.#watermark;
  }

  currentProcessingTime(): number {
    return this.processingTime.now();
  }

  registerEventTimeTimer(time: number): void {
    this.#event.add(this.backend.getCurrentKeyGroupIndex(), this.backend.getCurrentKey(), checkTime(time));
  }

  deleteEventTimeTimer(time: number): void {
    this.#event.delete(this.backend.getCurrentKeyGroupIndex(), this.backend.getCurrentKey(), time);
  }

  registerProcessingTimeTimer(time: number): void {
    if (this.#processing.add(this.backend.getCurrentKeyGroupIndex(), this.backend.getCurrentKey(), checkTime(time)) && time < this.#wakeAt) {
      this.#schedule();
    }
  }

  deleteProcessingTimeTimer(time: number): void {
    // The wake-up stays: when it comes it finds nothing due and schedules the next one.
    this.#processing.delete(this.backend.getCurrentKeyGroupIndex(), this.backend.getCurrentKey(), time);
  }

  /** Event timers pending (for tests and metrics). */
  get eventTimers(): number {
    return this.#event.size;
  }

  get processingTimers(): number {
    return this.#processing.size;
  }

  /** Event time reached `watermark`: fires every event-time timer at or below it, in order. */
  advanceWatermark(watermark: number): void {
    if (watermark <= this.#watermark) return;
    this.#watermark = watermark;
    const q = this.#event;
    // Timers that firing registers at or below the watermark fire in this same loop.
    while (q.size > 0 && q.peekTimestamp() <= watermark) {
      const ts = q.peekTimestamp();
      const key = q.peekKey();
      // The key first: a running snapshot copies the key group before the timer leaves it.
      this.backend.setCurrentKey(key, this.#start + q.peekGroup());
      q.poll();
      this.target.onEventTime(ts, key);
    }
  }

  /** Fires every processing-time timer due by `now`, then schedules the next wake-up. */
  onProcessingTime(now: number): void {
    if (this.#stopped) return;
    this.#wakeAt = Infinity;
    this.#cancelWake = undefined;
    const q = this.#processing;
    this.#firingProcessing = true;
    try {
      while (q.size > 0 && q.peekTimestamp() <= now) {
        const ts = q.peekTimestamp();
        const key = q.peekKey();
        this.backend.setCurrentKey(key, this.#start + q.peekGroup());
        q.poll();
        this.target.onProcessingTime(ts, key);
      }
    } finally {
      this.#firingProcessing = false;
    }
    this.#schedule();
  }

  #schedule(): void {
    if (this.#stopped || this.#firingProcessing) return;
    const next = this.#processing.peekTimestamp();
    if (next === Infinity || next >= this.#wakeAt) return;
    this.#cancelWake?.();
    this.#wakeAt = next;
    this.#cancelWake = this.processingTime.scheduleAt(next, (now) => this.onProcessingTime(now));
  }
}

function checkTime(time: number): number {
  if (typeof time !== 'number' || Number.isNaN(time)) {
    throw new TypeError(`a timer's time must be a number of milliseconds, got ${String(time)}`);
  }
  return time;
}
