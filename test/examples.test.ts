import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { lines } from '../examples/wordcount.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const WEIR = fileURLToPath(new URL('../packages/cli/bin/weir.js', import.meta.url));

describe('examples/wordcount.ts, as `npm start` runs it', () => {
  it('prints a running count per word: 1, 2, … up to the word’s total, each once', () => {
    const run = spawnSync(process.execPath, [WEIR, 'run', 'examples/wordcount.ts'], {
      cwd: ROOT,
      encoding: 'utf8',
      env: { ...process.env, WEIR_LOG_LEVEL: 'warn' },
      timeout: 60_000,
    });
    expect(run.status, run.stderr).toBe(0);
    const expected = new Map<string, number>();
    for (const w of lines.join(' ').split(/\s+/)) if (w !== '') expected.set(w, (expected.get(w) ?? 0) + 1);
    const seen = new Map<string, number[]>();
    for (const line of run.stdout.split('\n')) {
      const m = /^(?:\d+> )?(\{.*\})$/.exec(line);
      if (m === null) continue;
      const { word, n } = JSON.parse(m[1]) as { word: string; n: number };
      seen.set(word, [...(seen.get(word) ?? []), n]);
    }
    expect(new Set(seen.keys())).toEqual(new Set(expected.keys()));
    for (const [word, total] of expected) {
      expect(seen.get(word), word).toEqual(Array.from({ length: total }, (_, i) => i + 1));
    }
  });
});
