import type { LetterFilter, StoredLetter } from '@weir/redis';
import { weirRedis } from '../weir-redis.ts';
import type { RedisClient } from './redis-url.ts';

/** One letter shown as a sample: where it is, what failed, and a JSON-safe payload. */
export interface LetterSample {
  readonly index: number;
  readonly time: number;
  readonly operator: string;
  readonly error: string;
  readonly attempts: number;
  readonly source: string | null;
  readonly position: string | null;
  readonly format: StoredLetter['format'];
  readonly payload: unknown;
  /** Set when `payload` is bytes shown as base64. */
  readonly payloadEncoding?: 'base64' | 'string';
}

/** A count per value (reason, operator, source), most frequent first. */
export interface Group {
  readonly value: string;
  readonly count: number;
  /** One error as written (reasons only: `value` has its numbers masked). */
  readonly example?: string;
}

/** What `weir dlq list` shows, and what a dry run would move or delete. */
export interface LetterSummary {
  readonly key: string;
  /** Elements read from the list. */
  readonly length: number;
  /** Elements that are letters Weir wrote. */
  readonly letters: number;
  /** Letters the filter selects (all letters without a filter). */
  readonly matched: number;
  /** Elements that are not letters Weir wrote. */
  readonly unreadable: number;
  readonly formats: { readonly json: number; readonly msgpack: number };
  readonly oldest: number | null;
  readonly newest: number | null;
  readonly reasons: readonly Group[];
  readonly operators: readonly Group[];
  readonly sources: readonly Group[];
  readonly samples: readonly LetterSample[];
}

/** Reasons are grouped with the numbers in them masked, so that `at position 12` and `at position 40` count together. */
export function reasonOf(error: string): string {
  const line = error.split('\n', 1)[0];
  const masked = line.replace(/\d+(\.\d+)?/g, 'N');
  return masked.length > 160 ? `${masked.slice(0, 159)}…` : masked;
}

/** Reads the whole list once and sums up the letters `filter` selects; keeps the first `samples` of them. */
export async function summarizeDeadLetters(client: RedisClient, key: string, filter: LetterFilter | undefined, samples: number): Promise<LetterSummary> {
  let length = 0;
  let letters = 0;
  let matched = 0;
  let oldest: number | null = null;
  let newest: number | null = null;
  const formats = { json: 0, msgpack: 0 };
  const reasons = new Map<string, { count: number; example: string }>();
  const operators = new Map<string, number>();
  const sources = new Map<string, number>();
  const kept: LetterSample[] = [];
  const { matchesFilter, readDeadLetters } = await weirRedis();
  for await (const page of readDeadLetters(client, key)) {
    for (const { index, letter } of page) {
      length++;
      if (letter === undefined) continue;
      letters++;
      if (!matchesFilter(letter, filter)) continue;
      matched++;
      formats[letter.format]++;
      if (oldest === null || letter.time < oldest) oldest = letter.time;
      if (newest === null || letter.time > newest) newest = letter.time;
      const reason = reasonOf(letter.error);
      const r = reasons.get(reason);
      if (r === undefined) reasons.set(reason, { count: 1, example: letter.error });
      else r.count++;
      operators.set(letter.operator, (operators.get(letter.operator) ?? 0) + 1);
      const source = letter.source === null ? '(operator letter)' : sourceName(letter.source);
      sources.set(source, (sources.get(source) ?? 0) + 1);
      if (kept.length < samples) kept.push(sampleOf(index, letter));
    }
  }
  return {
    key,
    length,
    letters,
    matched,
    unreadable: length - letters,
    formats,
    oldest,
    newest,
    reasons: [...reasons].map(([value, { count, example }]) => ({ value, count, example })).sort(byCount),
    operators: [...operators].map(([value, count]) => ({ value, count })).sort(byCount),
    sources: [...sources].map(([value, count]) => ({ value, count })).sort(byCount),
    samples: kept,
  };
}

const byCount = (a: Group, b: Group): number => b.count - a.count || a.value.localeCompare(b.value);

/** A list source's letters name the processing list (`jobs:processing:3`): grouped under the queue. */
function sourceName(source: string): string {
  const m = /^(.*):processing(?::[^:]+)?:\d+$/.exec(source);
  return m === null ? source : m[1];
}

function sampleOf(index: number, letter: StoredLetter): LetterSample {
  const base = {
    index,
    time: letter.time,
    operator: letter.operator,
    error: letter.error,
    attempts: letter.attempts,
    source: letter.source,
    position: letter.position,
    format: letter.format,
  };
  const { payload } = letter;
  if (Buffer.isBuffer(payload) || payload instanceof Uint8Array) {
    const bytes = Buffer.from(payload);
    const text = bytes.toString('utf8');
    return !text.includes('\uFFFD') ? { ...base, payload: text } : { ...base, payload: bytes.toString('base64'), payloadEncoding: 'base64' };
  }
  return { ...base, payload: jsonSafe(payload), ...(letter.payloadEncoding === undefined ? {} : { payloadEncoding: letter.payloadEncoding }) };
}

/** Payloads of msgpack letters may hold bytes, BigInts, Maps: made JSON-safe for `--json`. */
function jsonSafe(value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (Buffer.isBuffer(value) || value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  if (value instanceof Map) return Object.fromEntries([...value].map(([k, v]) => [String(k), jsonSafe(v)]));
  if (value instanceof Set) return [...value].map(jsonSafe);
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map(jsonSafe);
  if (typeof value === 'object' && value !== null) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, jsonSafe(v)]));
  return value;
}
