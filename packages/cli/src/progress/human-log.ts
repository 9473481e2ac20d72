/**
 * Pino's JSON lines turned into short lines for a person at a terminal:
 * `14:02:11 INFO  restoring from checkpoint 7 (1.2 s old)  checkpointId=7`.
 * Only scalar fields are shown; the job name, host and pid are the same on every line.
 */

const LEVELS: Readonly<Record<number, string>> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };
const HIDDEN = new Set(['level', 'time', 'pid', 'hostname', 'name', 'msg', 'job', 'component', 'err']);

/**
 * The line to show for one JSON log line, or `undefined` to show none: with `quietCheckpoints`,
 * the info lines of every routine checkpoint (the status line already shows the latest).
 */
export function formatLogLine(json: string, quietCheckpoints = false): string | undefined {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json.trimEnd();
  }
  if (quietCheckpoints && entry.component === 'checkpoint' && entry.level === 30) return undefined;
  const time = typeof entry.time === 'number' ? new Date(entry.time).toTimeString().slice(0, 8) : '';
  const level = (LEVELS[entry.level as number] ?? String(entry.level)).padEnd(5);
  const fields = Object.entries(entry)
    .filter(([k, v]) => !HIDDEN.has(k) && (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean'))
    .map(([k, v]) => `${k}=${String(v)}`);
  const err = entry.err as { message?: unknown } | undefined;
  if (err !== undefined && typeof err.message === 'string') fields.push(`error: ${err.message.split('\n', 1)[0]}`);
  const message = typeof entry.msg === 'string' ? entry.msg : '';
  return `${time} ${level} ${message}${fields.length > 0 ? `  ${fields.join(' ')}` : ''}`;
}
