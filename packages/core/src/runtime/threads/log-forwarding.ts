import type { MessagePort } from 'node:worker_threads';
import { pino, type Logger } from 'pino';

/**
 * Logs of task manager threads go to the main thread's logger, so that one `weir run` writes one
 * stream of lines (pretty at a terminal, JSON otherwise) whatever thread a task runs on. A worker
 * logs to a pino logger whose destination posts each JSON line to the main thread, which writes it
 * through its own logger with the thread added.
 */
export function forwardingLogger(port: MessagePort, level: string, thread: number): Logger {
  return pino({ level, base: { thread } }, { write: (line: string) => port.postMessage({ type: 'log', line }) });
}

/** Pino's numeric levels, as the main logger's methods. */
const LEVELS: Record<number, 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal'> = {
  10: 'trace',
  20: 'debug',
  30: 'info',
  40: 'warn',
  50: 'error',
  60: 'fatal',
};

/** Writes a line a worker forwarded through `logger` (keeping its fields, dropping pino's own). */
export function emitForwardedLine(logger: Logger, line: string): void {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(line) as Record<string, unknown>;
  } catch {
    logger.info({ forwarded: line.trim() }, 'log line from a worker thread');
    return;
  }
  // The main logger has the job's bindings already: keep what the worker's line adds.
  const { level, msg, time: _time, pid: _pid, hostname: _hostname, name: _name, job: _job, ...fields } = entry;
  const method = LEVELS[typeof level === 'number' ? level : 30] ?? 'info';
  logger[method](fields, typeof msg === 'string' ? msg : '');
}
