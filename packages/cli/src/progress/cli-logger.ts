import { pino, type LevelWithSilent, type Logger } from 'pino';
import { formatLogLine } from './human-log.ts';
import type { StatusLine } from './status-line.ts';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

export interface CliLoggerOptions {
  readonly level?: LevelWithSilent;
  /** JSON lines go to this file (appended) instead of stderr. */
  readonly file?: string;
  /** Set when stderr is a terminal: log lines are shown short, above the status line. */
  readonly statusLine?: StatusLine;
}

/**
 * The logger `weir run` gives the job: pino JSON lines to `--log-file`, or to stderr when stderr
 * is not a terminal; at a terminal, short lines above the status line. Writes are synchronous, so
 * a process killed with SIGKILL has lost no line it logged.
 */
export function createCliLogger(options: CliLoggerOptions): Logger {
  const level = options.level ?? (process.env.WEIR_LOG_LEVEL as LevelWithSilent | undefined) ?? 'info';
  const base = { name: 'weir', level };
  if (options.file !== undefined) return pino(base, pino.destination({ dest: options.file, sync: true, mkdir: true, append: true }));
  const status = options.statusLine;
  if (status !== undefined) {
    // At a terminal and the default level, routine checkpoint lines would bury everything else.
    const quiet = options.level === undefined;
    return pino(base, {
      write: (line: string) => {
        const text = formatLogLine(line, quiet);
        if (text !== undefined) status.printAbove(text);
      },
    });
  }
  return pino(base, pino.destination({ dest: 2, sync: true }));
}
