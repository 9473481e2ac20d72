import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { METRICS } from './metric-names.ts';

describe('METRICS', () => {
  const all = Object.values(METRICS);

  it('names every metric once, with the weir_ prefix and in snake case', () => {
    expect(new Set(all.map((m) => m.name)).size).toBe(all.length);
    for (const m of all) expect(m.name, m.name).toMatch(/^weir_[a-z]+(_[a-z]+)*$/);
  });

  it('ends counters with _total and nothing else with it, and names units as Prometheus does', () => {
    for (const m of all) {
      expect(m.name.endsWith('_total'), m.name).toBe(m.type === 'counter');
      expect(m.name, m.name).not.toMatch(/_(ms|milliseconds|kb|mb|percent)(_|$)/);
      if (m.type === 'histogram') expect(m.name, m.name).toMatch(/_(seconds|bytes)$/);
    }
  });

  it('puts job_name first on every metric, and gives every histogram its buckets in order', () => {
    for (const m of all) {
      expect(m.labels[0], m.name).toBe('job_name');
      expect(new Set(m.labels).size, m.name).toBe(m.labels.length);
      if (m.type !== 'histogram') continue;
      expect(m.buckets?.length, m.name).toBeGreaterThan(3);
      expect([...(m.buckets ?? [])].sort((a, b) => a - b), m.name).toEqual(m.buckets);
    }
  });

  it('is what docs/metrics.md lists, no more and no less', () => {
    const doc = readFileSync(new URL('../../../../docs/metrics.md', import.meta.url), 'utf8');
    const documented = [...doc.matchAll(/^\| `(weir_\w+)` \|/gm)].map((m) => m[1]);
    expect(documented.sort()).toEqual(all.map((m) => m.name).sort());
  });
});
