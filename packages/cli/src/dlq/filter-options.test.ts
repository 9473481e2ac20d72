import { describe, expect, it } from 'vitest';
import { UsageError } from '../errors.ts';
import { describeFilter, parseFilter, parseTime } from './filter-options.ts';

const NOW = Date.parse('2025-06-02T12:00:00Z');

describe('parseTime', () => {
  it('reads ISO times, epoch seconds or milliseconds, and durations ago', () => {
    expect(parseTime('since', '2025-06-01T00:00:00Z', NOW)).toBe(Date.parse('2025-06-01T00:00:00Z'));
    expect(parseTime('since', '1748736000', NOW)).toBe(1748736000_000);
    expect(parseTime('since', '1748736000123', NOW)).toBe(1748736000123);
    expect(parseTime('since', '2h', NOW)).toBe(NOW - 7_200_000);
    expect(parseTime('since', '90s', NOW)).toBe(NOW - 90_000);
    expect(() => parseTime('since', 'yesterday', NOW)).toThrow(UsageError);
  });
});

describe('parseFilter', () => {
  it('builds a filter from the options, and none without them', () => {
    expect(parseFilter({}, NOW)).toBeUndefined();
    const f = parseFilter({ reason: 'Timeout', 'reason-regex': '/^range/i', operator: 'parse', since: '1d', until: '1h' }, NOW)!;
    expect(f.reason).toBe('Timeout');
    expect(f.reasonPattern?.test('RangeError: x')).toBe(true);
    expect(f.since).toBe(NOW - 86_400_000);
    expect(describeFilter(f)).toBe(
      'letters with error contains "Timeout", error matches /^range/i, operator parse, since 2025-06-01T12:00:00.000Z, before 2025-06-02T11:00:00.000Z',
    );
  });

  it('refuses a time range that is empty and a pattern that does not compile', () => {
    expect(() => parseFilter({ since: '1h', until: '2h' }, NOW)).toThrow(/must be before/);
    expect(() => parseFilter({ 'reason-regex': '(' }, NOW)).toThrow(UsageError);
  });
});
