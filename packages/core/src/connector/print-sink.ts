import type { Sink, SinkWriter, SinkWriterContext } from './sink.ts';
import { rejectUnknownOptions } from '../util/options.ts';

export interface PrintSinkOptions {
  /** Written before each line, e.g. `'totals'`. */
  readonly prefix?: string;
  /** Where lines go; default `process.stdout`. */
  readonly stream?: NodeJS.WritableStream;
}

/**
 * Prints each record on its own line: strings as they are, anything else as JSON. With
 * parallelism above 1 each line starts with the subtask number, `2> …`, as in Flink.
 * Lines are written in chunks, not one `write` per record.
 */
export function printSink<T>(options: PrintSinkOptions = {}): Sink<T> {
  rejectUnknownOptions('printSink', options, ['prefix', 'stream']);
  return { createWriter: (ctx) => new PrintWriter<T>(options, ctx) };
}

class PrintWriter<T> implements SinkWriter<T> {
  readonly #prefix: string;
  readonly #stream: NodeJS.WritableStream;
  #buffer = '';
  #scheduled = false;

  constructor(options: PrintSinkOptions, ctx: SinkWriterContext) {
    const subtask = ctx.parallelism > 1 ? `${ctx.subtaskIndex + 1}> ` : '';
    this.#prefix = options.prefix === undefined ? subtask : `${options.prefix}:${subtask === '' ? ' ' : subtask}`;
    this.#stream = options.stream ?? process.stdout;
  }

  write(value: T): void {
    this.#buffer += this.#prefix + (typeof value === 'string' ? value : stringify(value)) + '\n';
    if (this.#buffer.length > 1 << 16) this.flush();
    else if (!this.#scheduled) {
      // Written out when the loop next breathes, so a slow trickle still shows up promptly.
      this.#scheduled = true;
      setImmediate(() => this.flush());
    }
  }

  /** Cancelled or failed: still print what was buffered (printing is at-least-once). */
  close(): void {
    this.flush();
  }

  flush(): void {
    this.#scheduled = false;
    if (this.#buffer.length === 0) return;
    this.#stream.write(this.#buffer);
    this.#buffer = '';
  }
}

function stringify(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)) ?? String(value);
}
