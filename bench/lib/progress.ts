/**
 * The progress bar on stderr while a case runs:
 *
 *   q1 weir p=1 ckpt 1 s · round 2/3  [██████████░░░░░░░░░░]  52%  1,040,000/2,000,000  1.31 M/s
 *
 * Redrawn in place on a terminal, at most ten times a second, and replaced by a one-line summary
 * when the case ends; when stderr is not a terminal (a log file, CI) only the summaries are
 * printed, so logs stay readable.
 */
import { rate } from './results.ts';

const WIDTH = 20;
const REDRAW_MS = 100;

export interface Progress {
  /** A case starts; `total` is its unit count (events), or undefined when it only knows time. */
  start(label: string, total?: number): void;
  /** Units done so far; 0 marks the start of the measured part. */
  update(done: number): void;
  /** The case ended; `summary` is shown in the non-terminal line. */
  finish(summary?: string): void;
}

export class StderrProgress implements Progress {
  readonly #tty = process.stderr.isTTY === true;
  #label = '';
  #total: number | undefined;
  #done = 0;
  #startedAt = 0;
  /** Where the rate counts from: the start, or the measured part's start. */
  #rateFrom = 0;
  #drawnAt = 0;
  #drawn = false;

  start(label: string, total?: number): void {
    this.#label = label;
    this.#total = total;
    this.#done = 0;
    this.#startedAt = performance.now();
    this.#rateFrom = this.#startedAt;
    this.#drawnAt = 0;
    this.#draw();
  }

  /** `done` 0 says the measured part begins (after start-up and warm-up): the rate counts from there. */
  update(done: number): void {
    if (done === 0) this.#rateFrom = performance.now();
    this.#done = done;
    if (performance.now() - this.#drawnAt >= REDRAW_MS) this.#draw();
  }

  finish(summary?: string): void {
    const seconds = (performance.now() - this.#startedAt) / 1000;
    if (this.#tty && this.#drawn) process.stderr.write('\r\x1b[2K');
    this.#drawn = false;
    process.stderr.write(`${this.#label}: ${summary ?? 'done'} (${seconds.toFixed(1)} s)\n`);
  }

  #draw(): void {
    if (!this.#tty) return;
    this.#drawnAt = performance.now();
    const seconds = (this.#drawnAt - this.#startedAt) / 1000;
    const measured = (this.#drawnAt - this.#rateFrom) / 1000;
    let bar: string;
    if (this.#total === undefined || this.#total === 0) {
      bar = `${seconds.toFixed(1)} s`;
    } else {
      const f = Math.min(1, this.#done / this.#total);
      const full = Math.round(f * WIDTH);
      const speed = measured > 0 && this.#done > 0 ? `  ${rate(this.#done / measured)}` : '';
      bar = `[${'█'.repeat(full)}${'░'.repeat(WIDTH - full)}] ${String(Math.floor(f * 100)).padStart(3)}%  ${this.#done.toLocaleString('en')}/${this.#total.toLocaleString('en')}${speed}`;
    }
    const columns = process.stderr.columns ?? 120;
    process.stderr.write(`\r\x1b[2K${`${this.#label}  ${bar}`.slice(0, columns - 1)}`);
    this.#drawn = true;
  }
}

/** For tests and in-process runs: draws nothing. */
export const NO_PROGRESS: Progress = { start() {}, update() {}, finish() {} };
