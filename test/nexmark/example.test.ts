import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { NexmarkGenerator } from '../../bench/nexmark/index.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const WEIR = fileURLToPath(new URL('../../packages/cli/bin/weir.js', import.meta.url));

describe('examples/nexmark-q1.ts, as `weir run` runs it', () => {
  it('prints every bid of the 2,000 generated events once, price in euros', () => {
    const run = spawnSync(process.execPath, [WEIR, 'run', 'examples/nexmark-q1.ts'], {
      cwd: ROOT,
      encoding: 'utf8',
      env: { ...process.env, WEIR_LOG_LEVEL: 'warn' },
      timeout: 60_000,
    });
    expect(run.status, run.stderr).toBe(0);
    const printed = run.stdout
      .split('\n')
      .map((line) => /^(?:\d+> )?(\{.*\})$/.exec(line)?.[1])
      .filter((json) => json !== undefined)
      .sort();
    const generator = new NexmarkGenerator();
    const expected: string[] = [];
    for (let i = 0; i < 2000; i++) {
      const e = generator.event(i);
      if (e.kind === 'bid') expected.push(JSON.stringify({ auction: e.auction, bidder: e.bidder, price: 0.908 * e.price, dateTime: e.dateTime, extra: e.extra }));
    }
    expect(printed).toEqual(expected.sort());
  });
});
