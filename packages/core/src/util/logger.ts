import { pino, type Logger, type LevelWithSilent } from 'pino';

export type { Logger } from 'pino';

/**
 * Weir's default logger: pino, one JSON line per event on stderr (stdout stays for job output).
 * The level comes from `WEIR_LOG_LEVEL` when set.
 */
export function createLogger(level?: LevelWithSilent): Logger {
  const fromEnv = process.env.WEIR_LOG_LEVEL as LevelWithSilent | undefined;
  return pino({ name: 'weir', level: level ?? fromEnv ?? 'info' }, pino.destination(2));
}
