/**
 * The dashboard in a real browser: Debian's Chromium, driven by playwright-core (which never
 * downloads a browser of its own). `scripts/install-chromium.sh` installs Chromium when it is
 * missing; when it cannot, this test fails and says how to install it.
 *
 * WEIR_DASHBOARD_SCREENSHOT=docs/dashboard.png makes it save a screenshot of the page as well.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { tempDirs } from '../support/temp-dirs.ts';
import { startObserved, stop, type ObservedRun } from './metrics-support.ts';

const INSTALL_SCRIPT = fileURLToPath(new URL('../../scripts/install-chromium.sh', import.meta.url));
/** The flags this machine's closed network needs (no background connections, no QUIC), and no sandbox as root. */
const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

const dirs = tempDirs('weir-dashboard-');
let browser: BrowserContext | undefined;
let profile: string | undefined;

beforeAll(async () => {
  let executable: string;
  try {
    const { stdout } = await promisify(execFile)('bash', [INSTALL_SCRIPT], { timeout: 15 * 60_000, maxBuffer: 16 * 1024 * 1024 });
    executable = stdout.trim().split('\n').at(-1)!;
  } catch (e) {
    const said = (e as { stderr?: string }).stderr?.trim().split('\n').at(-1) ?? String(e);
    throw new Error(
      `the dashboard test needs Chromium and could not install it (${said}). Install Debian's chromium ` +
        `(as root: apt-get update && apt-get install -y chromium), or set WEIR_CHROMIUM to a Chromium binary; ` +
        `scripts/install-chromium.sh does the former`,
    );
  }
  profile = await mkdtemp(join(tmpdir(), 'weir-chromium-profile-'));
  browser = await chromium.launchPersistentContext(profile, {
    executablePath: executable,
    headless: true,
    args: CHROMIUM_FLAGS,
    viewport: { width: 1400, height: 1250 },
  });
}, 20 * 60_000);

afterAll(async () => {
  await browser?.close();
  if (profile !== undefined) await rm(profile, { recursive: true, force: true });
  await dirs.cleanup();
});

const running: ObservedRun[] = [];
afterEach(() => {
  for (const r of running.splice(0)) r.run.kill('SIGKILL');
});

/** The number a task box shows as records in (its `data-records-in`). */
async function recordsIn(page: Page, task: string): Promise<number> {
  return Number(await page.locator(`.task[data-task="${task}"]`).getAttribute('data-records-in'));
}

describe('the dashboard', () => {
  it('shows the job graph, checkpoints and live throughput, drills into a checkpoint, and shows a restart', async () => {
    const root = await dirs.make();
    const trigger = join(root, 'fail-now');
    const job = await startObserved({
      jobName: 'dash',
      checkpointDir: join(root, 'ck'),
      env: { COUNT: '10000000', RATE: '4000', FAIL_WHEN: trigger, FAIL_MARKER: join(root, 'failed-once') },
      checkpointIntervalMs: 500,
    });
    running.push(job);
    const page = await browser!.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => void (m.type() === 'error' && errors.push(m.text())));
    try {
      // Static files, served by the endpoint itself, that no other site may frame or script.
      const html = await fetch(`${job.url}/`);
      expect(html.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(html.headers.get('content-security-policy')).toMatch(/default-src 'none'; script-src 'self'.*frame-ancestors 'none'/);
      expect(await html.text()).toContain('<script type="module" src="dashboard.js"></script>');
      expect((await fetch(`${job.url}/dashboard.js`)).headers.get('content-type')).toBe('text/javascript; charset=utf-8');

      await page.goto(`${job.url}/`);

      // The job graph: two tasks, the chain inside each, parallelism, and the hash edge between them.
      await expect.poll(() => page.locator('.task').count(), { timeout: 20_000 }).toBe(2);
      await expect.poll(() => page.locator('#job-state').textContent(), { timeout: 20_000 }).toBe('running');
      expect(await page.locator('#job-name').textContent()).toBe('dash');
      const source = page.locator('.task[data-task="v0"]');
      const count = page.locator('.task[data-task="v1"]');
      expect(await source.locator('.task-head').textContent()).toMatch(/v0\s*Source×2/);
      expect(await source.locator('.chain li').allTextContents()).toEqual(['check']);
      expect(await count.locator('.task-head').textContent()).toMatch(/v1\s*count×2/);
      expect(await count.locator('.chain li').allTextContents()).toEqual(['Sink']);
      expect(await page.locator('#graph .edge-label').allTextContents()).toEqual(['HASH']);

      // At least one completed checkpoint, in the table and in the chart.
      await expect.poll(() => page.locator('#checkpoint-rows tr[data-status="completed"]').count(), { timeout: 20_000 }).toBeGreaterThan(0);
      expect(await page.locator('#checkpoint-chart rect.bar-completed').count()).toBeGreaterThan(0);

      // It updates while records flow: the counts grow, a rate shows.
      const before = await recordsIn(page, 'v1');
      await expect.poll(() => recordsIn(page, 'v1'), { timeout: 10_000 }).toBeGreaterThan(before);
      await expect.poll(async () => (await page.locator('#job-rate-in').textContent()) ?? '-', { timeout: 10_000 }).toMatch(/\/s$/);
      expect(await page.locator('#threads li').count()).toBeGreaterThan(0);

      // Drill-down: a completed checkpoint's four subtasks, the slowest first.
      await page.locator('#checkpoint-rows tr[data-status="completed"]').first().click();
      await expect.poll(() => page.locator('#detail-rows tr').count(), { timeout: 10_000 }).toBe(4);
      expect(await page.locator('#checkpoint-detail h3').textContent()).toMatch(/checkpoint \d+ · run 1 · completed/);

      // A failure: the job restarts from a checkpoint, and the page says so, with the error.
      expect(await page.locator('#job-restarts').textContent()).toBe('0');
      await writeFile(trigger, '');
      await expect.poll(() => page.locator('#job-restarts').textContent(), { timeout: 30_000 }).toBe('1');
      await expect.poll(() => page.locator('#failures li[data-run="1"]').count(), { timeout: 15_000 }).toBe(1);
      expect(await page.locator('#failures li .message').first().textContent()).toMatch(/operator 'check' .* failed in processElement: record \d+ failed on purpose/);
      await expect.poll(async () => (await page.locator('#failures li .when').first().textContent()) ?? '', { timeout: 15_000 }).toMatch(/restarted from (checkpoint \d+|the beginning)/);
      await expect.poll(() => page.locator('#job-state').textContent(), { timeout: 30_000 }).toBe('running');
      expect(errors).toEqual([]);

      const screenshot = process.env.WEIR_DASHBOARD_SCREENSHOT;
      if (screenshot !== undefined) {
        // Some throughput history to draw, and a recent checkpoint opened.
        await page.waitForTimeout(45_000);
        await page.locator('#checkpoint-rows tr[data-status="completed"]').first().click();
        await expect.poll(() => page.locator('#detail-rows tr').count(), { timeout: 10_000 }).toBe(4);
        await page.screenshot({ path: resolve(screenshot), fullPage: true });
      }
    } finally {
      await page.close();
    }
    expect(await stop(job)).toBe(0);
  });

  it('asks the browser for the token when the endpoint requires one, and works once given it', async () => {
    const root = await dirs.make();
    const token = 'dashboard-token-0123456789';
    const job = await startObserved({ jobName: 'guarded', checkpointDir: join(root, 'ck'), env: { COUNT: '10000000', RATE: '2000' }, args: ['--token', token] });
    running.push(job);
    const page = await browser!.newPage();
    try {
      // Without credentials the page is refused with a 401 whose Basic challenge makes a browser ask
      // for the token. (Checked with fetch: how long headless Chromium takes to cancel its own prompt
      // varies, and once took the whole test's time on a loaded machine.)
      const refused = await fetch(`${job.url}/`, { headers: { accept: 'text/html' }, signal: AbortSignal.timeout(15_000) });
      expect(refused.status).toBe(401);
      expect(refused.headers.get('www-authenticate')).toMatch(/(^|, )Basic realm="weir"/);
      await refused.body?.cancel();
      await browser!.setHTTPCredentials({ username: 'weir', password: token, origin: job.url });
      const answered = await page.goto(`${job.url}/`, { timeout: 20_000 });
      expect(answered?.status()).toBe(200);
      await expect.poll(() => page.locator('#job-name').textContent(), { timeout: 20_000 }).toBe('guarded');
      await expect.poll(() => page.locator('.task').count(), { timeout: 20_000 }).toBe(2);
    } finally {
      await browser!.setHTTPCredentials(null);
      await page.close();
    }
    expect(await stop(job)).toBe(0);
  });
});
