import type { JobClient } from '@weir/core';
import type { StatusLine } from './status-line.ts';
import { statusText, type ProgressSample } from './status-text.ts';

/** How often the status line is redrawn. */
const REFRESH_MS = 500;

/** Redraws a job's status line every half second until stopped. */
export class ProgressReporter {
  #previous: ProgressSample | undefined;
  readonly #timer: NodeJS.Timeout;

  constructor(
    readonly client: JobClient,
    readonly line: StatusLine,
    readonly checkpointing: boolean,
  ) {
    this.#timer = setInterval(() => this.#draw(), REFRESH_MS);
    this.#timer.unref();
    this.#draw();
  }

  stop(): void {
    clearInterval(this.#timer);
    this.line.clear();
  }

  #draw(): void {
    const sample: ProgressSample = { at: Date.now(), status: this.client.status(), checkpoints: this.client.checkpointStats() };
    this.line.set(statusText(this.#previous, sample, this.checkpointing, this.line.width));
    this.#previous = sample;
  }
}
