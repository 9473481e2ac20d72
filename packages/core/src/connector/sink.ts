import type { Logger } from 'pino';

/** A sink: each parallel subtask gets a writer (Flink's Sink V2, reduced). */
export interface Sink<T> {
  createWriter(ctx: SinkWriterContext): SinkWriter<T>;
}

export interface SinkWriterContext {
  readonly jobName: string;
  readonly operatorUid: string;
  readonly subtaskIndex: number;
  readonly parallelism: number;
  readonly logger: Logger;
}

/** One subtask's writer. Methods are called from the task loop only, never concurrently. */
export interface SinkWriter<T> {
  open?(): void | Promise<void>;
  /** Takes one record; buffer it rather than doing I/O per record. */
  write(value: T): void;
  /** Writes out what is buffered: at end of input (`endOfInput`), and at checkpoints. */
  flush?(endOfInput: boolean): void | Promise<void>;
  close?(): void | Promise<void>;
}
