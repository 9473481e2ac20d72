import type { LetterFilter } from '@weir/redis';
import { UsageError } from '../errors.ts';

/** The options every `dlq` command takes to select letters. */
export const FILTER_OPTIONS = {
  reason: { type: 'string' },
  'reason-regex': { type: 'string' },
  operator: { type: 'string' },
  since: { type: 'string' },
  until: { type: 'string' },
} as const;

export const FILTER_USAGE = `  --reason TEXT          letters whose error contains TEXT (any case)
  --reason-regex RE      letters whose error matches RE (JavaScript syntax; /RE/flags also works)
  --operator UID         letters of this operator or source uid
  --since TIME           letters written at or after TIME
  --until TIME           letters written before TIME
TIME is an ISO date or time (2025-06-01, 2025-06-01T12:00:00Z), epoch seconds or milliseconds, or a
duration ago (90s, 15m, 2h, 7d).`;

type FilterArgs = { readonly [K in keyof typeof FILTER_OPTIONS]?: string };

/** The letter filter the options describe (`undefined` when none is given). */
export function parseFilter(options: FilterArgs, now = Date.now()): LetterFilter | undefined {
  const filter: { -readonly [K in keyof LetterFilter]: LetterFilter[K] } = {};
  if (options.reason !== undefined) filter.reason = options.reason;
  if (options['reason-regex'] !== undefined) filter.reasonPattern = parseRegex(options['reason-regex']);
  if (options.operator !== undefined) filter.operator = options.operator;
  if (options.since !== undefined) filter.since = parseTime('since', options.since, now);
  if (options.until !== undefined) filter.until = parseTime('until', options.until, now);
  if (filter.since !== undefined && filter.until !== undefined && filter.since >= filter.until) {
    throw new UsageError(`--since (${new Date(filter.since).toISOString()}) must be before --until (${new Date(filter.until).toISOString()})`);
  }
  return Object.keys(filter).length === 0 ? undefined : filter;
}

function parseRegex(text: string): RegExp {
  const slashed = /^\/(.*)\/([dgimsuvy]*)$/s.exec(text);
  try {
    return slashed === null ? new RegExp(text) : new RegExp(slashed[1], slashed[2].replace(/[gy]/g, ''));
  } catch (e) {
    throw new UsageError(`--reason-regex: ${(e as Error).message}`);
  }
}

const UNITS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** `--since`/`--until` values: ISO date or time, epoch seconds (up to 10 digits) or ms, or a duration ago. */
export function parseTime(option: string, text: string, now: number): number {
  if (/^\d+$/.test(text)) return text.length <= 10 ? Number(text) * 1000 : Number(text);
  const ago = /^(\d+(?:\.\d+)?)(ms|s|m|h|d|w)$/.exec(text);
  if (ago !== null) return now - Number(ago[1]) * UNITS[ago[2]];
  const t = Date.parse(text);
  if (!Number.isFinite(t)) throw new UsageError(`--${option} needs an ISO date or time, epoch seconds or ms, or a duration such as 2h, got '${text}'`);
  return t;
}

/** The filter in words, for messages: `error contains "timeout", since 2025-06-01T00:00:00.000Z`. */
export function describeFilter(filter: LetterFilter | undefined): string {
  if (filter === undefined) return 'all letters';
  const parts: string[] = [];
  if (filter.reason !== undefined) parts.push(`error contains ${JSON.stringify(filter.reason)}`);
  if (filter.reasonPattern !== undefined) parts.push(`error matches ${String(filter.reasonPattern)}`);
  if (filter.operator !== undefined) parts.push(`operator ${filter.operator}`);
  if (filter.since !== undefined) parts.push(`since ${new Date(filter.since).toISOString()}`);
  if (filter.until !== undefined) parts.push(`before ${new Date(filter.until).toISOString()}`);
  return `letters with ${parts.join(', ')}`;
}
