/** Where a valve sends what it decides. */
export interface ValveOutput {
  /** The task's event time advanced to `timestamp`. */
  watermark(timestamp: number): void;
  /** Every input channel is idle (`true`), or one is active again (`false`). */
  status(idle: boolean): void;
}

/**
 * Combines the watermarks and idleness of a task's input channels into the task's event time
 * (Flink's StatusWatermarkValve): the minimum over the channels that are active and aligned.
 *
 * - A channel's watermark only moves forward; the task's only moves forward too.
 * - An idle channel is left out of the minimum, so a source split without data does not hold the
 *   job's event time back. When every channel is idle, the task is idle: it emits the largest
 *   watermark any channel reached, then its idle status.
 * - A channel that becomes active again counts once it catches up with the task's event time
 *   (until then it is "not aligned"): records it sends in between may be late, the price of idleness.
 * - An ended channel holds nothing back: its watermark is +∞.
 */
export class StatusWatermarkValve {
  readonly #watermarks: Float64Array;
  readonly #idle: Uint8Array;
  readonly #aligned: Uint8Array;
  #last = -Infinity;
  #idleOut = false;

  constructor(
    channels: number,
    readonly output: ValveOutput,
  ) {
    this.#watermarks = new Float64Array(channels).fill(-Infinity);
    this.#idle = new Uint8Array(channels);
    this.#aligned = new Uint8Array(channels).fill(1);
  }

  /** The task's event time: the last watermark emitted. */
  get current(): number {
    return this.#last;
  }

  inputWatermark(timestamp: number, channel: number): void {
    // A watermark from an idle channel is ignored: it must say it is active first.
    if (this.#idle[channel] === 1 || timestamp <= this.#watermarks[channel]) return;
    this.#watermarks[channel] = timestamp;
    if (this.#aligned[channel] === 0 && timestamp >= this.#last) this.#aligned[channel] = 1;
    this.#emitMin();
  }

  inputStatus(idle: boolean, channel: number): void {
    if (idle === (this.#idle[channel] === 1)) return;
    if (idle) {
      this.#idle[channel] = 1;
      this.#aligned[channel] = 0;
      if (this.#allIdle()) {
        this.#emitMax();
        if (!this.#idleOut) {
          this.#idleOut = true;
          this.output.status(true);
        }
      } else {
        this.#emitMin();
      }
    } else {
      this.#idle[channel] = 0;
      if (this.#watermarks[channel] >= this.#last) this.#aligned[channel] = 1;
      if (this.#idleOut) {
        this.#idleOut = false;
        this.output.status(false);
      }
    }
  }

  /** The channel ended: it no longer holds event time back. */
  endOfInput(channel: number): void {
    if (this.#idle[channel] === 1) {
      this.#idle[channel] = 0;
      if (this.#idleOut) {
        this.#idleOut = false;
        this.output.status(false);
      }
    }
    this.#watermarks[channel] = Infinity;
    this.#aligned[channel] = 1;
    this.#emitMin();
  }

  #allIdle(): boolean {
    for (let i = 0; i < this.#idle.length; i++) if (this.#idle[i] === 0) return false;
    return true;
  }

  #emitMin(): void {
    let min = Infinity;
    let any = false;
    for (let i = 0; i < this.#watermarks.length; i++) {
      if (this.#aligned[i] === 1 && this.#idle[i] === 0) {
        any = true;
        if (this.#watermarks[i] < min) min = this.#watermarks[i];
      }
    }
    if (any && min > this.#last) {
      this.#last = min;
      this.output.watermark(min);
    }
  }

  #emitMax(): void {
    let max = -Infinity;
    for (let i = 0; i < this.#watermarks.length; i++) if (this.#watermarks[i] > max) max = this.#watermarks[i];
    if (max > this.#last) {
      this.#last = max;
      this.output.watermark(max);
    }
  }
}
