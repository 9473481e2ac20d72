/**
 * The event-time examples, run as a user runs them (`npx weir run examples/<file>.ts`, in a
 * directory of their own): fraud detection prints exactly its alerts; the Redis page-view count
 * writes one count per page and window, and every full window counts every view in it.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { unpack } from 'msgpackr';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useRedis } from '../support/use-redis.ts';

const WEIR = fileURLToPath(new URL('../../packages/cli/bin/weir.js', import.meta.url));
const example = (name: string) => fileURLToPath(new URL(`../../examples/${name}`, import.meta.url));

let cwd: string;
beforeAll(async () => {
  cwd = await mkdtemp(join(tmpdir(), 'weir-et-examples-'));
});
afterAll(async () => {
  await rm(cwd, { recursive: true, force: true });
});

const redis = useRedis();

describe('examples/fraud-detection.ts', () => {
  it('prints one alert per attacked card, and none for a small and a large purchase minutes apart', () => {
    const run = spawnSync(process.execPath, [WEIR, 'run', example('fraud-detection.ts')], {
      cwd,
      encoding: 'utf8',
      env: { ...process.env, WEIR_LOG_LEVEL: 'warn' },
      timeout: 120_000,
    });
    expect(run.status, run.stderr).toBe(0);
    const alerts = run.stdout
      .split('\n')
      .map((l) => /^(?:\d+> )?(\{.*\})$/.exec(l)?.[1])
      .filter((l): l is string => l !== undefined)
      .map((l) => JSON.parse(l) as { card: string; small: number; large: number });
    const attacked = [];
    for (let i = 50_000; i < 200_000; i++) if (i % 10_007 === 0 && i + 2_000 < 200_000) attacked.push(`c${i % 10_000}`);
    expect(alerts.map((a) => a.card).sort()).toEqual(attacked.sort());
    expect(alerts.every((a) => a.small === 0.42 && a.large === 800)).toBe(true);
  });
});

describe('examples/redis-page-views.ts', () => {
  it('counts every view of a full minute in that minute’s windows, once per page and window', async () => {
    const child = spawn(process.execPath, [WEIR, 'run', example('redis-page-views.ts')], {
      cwd,
      env: { ...process.env, WEIR_LOG_LEVEL: 'warn', REDIS_URL: redis.url },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const r = redis.shared;
    try {
      // 3 minutes of views end 2 s before the newest: windows up to a minute before it close.
      const deadline = Date.now() + 60_000;
      while ((await r.xlen('page-view-counts')) < 60 && Date.now() < deadline) await new Promise((res) => setTimeout(res, 100));
    } finally {
      child.kill('SIGTERM');
      expect(await exited, stderr).toBe(0);
    }
    const views = await r.xrange('page-views', '-', '+');
    const first = Number(views[0][0].split('-')[0]);
    const last = Number(views[views.length - 1][0].split('-')[0]);
    const counts = (await r.xrangeBuffer('page-view-counts', '-', '+')).map(([, f]) => unpack(f[1]) as { page: string; from: string; to: string; views: number });
    const ids = counts.map((c) => `${c.page} ${c.from}`);
    expect(new Set(ids).size).toBe(ids.length);
    const perWindow = new Map<string, number>();
    for (const c of counts) perWindow.set(c.from, (perWindow.get(c.from) ?? 0) + c.views);
    let full = 0;
    for (const [from, n] of perWindow) {
      const start = Date.parse(from);
      if (start < first || start + 60_000 > last) continue;
      full++;
      expect(n, from).toBe(1_200); // 20 views per second
    }
    expect(full).toBeGreaterThan(0);
  });
});

