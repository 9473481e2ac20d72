/**
 * What the metrics, history and dashboard tests share: `weir run` of `metrics-job.ts` in a child
 * process, its endpoint's address, a Prometheus text parser, and polling until a condition holds.
 */
import { fileURLToPath } from 'node:url';
import { startWeir, type WeirProcess } from './support/weir-cli.ts';

export const OBSERVED_JOB = fileURLToPath(new URL('./metrics-job.ts', import.meta.url));

/** A `weir run` of the observed job and its control endpoint. */
export interface ObservedRun {
  readonly run: WeirProcess;
  /** `http://127.0.0.1:PORT` */
  readonly url: string;
}

export interface ObservedOptions {
  readonly jobName: string;
  readonly checkpointDir: string;
  readonly env: Record<string, string>;
  /** Default 100. */
  readonly checkpointIntervalMs?: number;
  readonly args?: readonly string[];
}

/** Starts the job and resolves once its endpoint listens. */
export async function startObserved(o: ObservedOptions): Promise<ObservedRun> {
  const args = ['run', OBSERVED_JOB, '--job-name', o.jobName, '--checkpoint-dir', o.checkpointDir, '--checkpoint-interval', String(o.checkpointIntervalMs ?? 100), '--parallelism', '2', ...(o.args ?? [])];
  const run = startWeir(args, o.env);
  const line = await Promise.race([
    run.waitFor(/^weir: dashboard http/),
    run.exited.then((code) => {
      throw new Error(`weir run exited (${String(code)}) before its endpoint listened:\n${run.stderr()}`);
    }),
  ]);
  const url = /dashboard (http:\/\/\S+?)\/\s/.exec(line)![1];
  return { run, url };
}

/** One series of a scrape. */
export interface Series {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

/** Parses the Prometheus text format (the sample lines; `#` lines skipped). */
export function parseMetrics(text: string): Series[] {
  const out: Series[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([A-Za-z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (m === null) throw new Error(`not a sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]] = l[2].replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
    out.push({ name: m[1], labels, value: Number(m[3]) });
  }
  return out;
}

/** Scrapes `/metrics`. */
export async function scrape(url: string, headers: Record<string, string> = {}): Promise<Series[]> {
  const res = await fetch(`${url}/metrics`, { headers });
  if (res.status !== 200) throw new Error(`GET /metrics answered ${res.status}: ${await res.text()}`);
  return parseMetrics(await res.text());
}

/** The sum of the series named `name` whose labels include `labels`; undefined when none. */
export function total(series: readonly Series[], name: string, labels: Record<string, string | RegExp> = {}): number | undefined {
  const matching = series.filter(
    (s) => s.name === name && Object.entries(labels).every(([k, v]) => (typeof v === 'string' ? s.labels[k] === v : v.test(s.labels[k] ?? ''))),
  );
  return matching.length === 0 ? undefined : matching.reduce((n, s) => n + s.value, 0);
}

/** Calls `probe` every 100 ms until it returns something other than undefined; fails after `timeoutMs`. */
export async function eventually<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (e) {
      last = e;
    }
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last === undefined ? '' : `: ${String(last)}`}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Cancels the run (SIGTERM) and resolves with its exit code. */
export async function stop(observed: ObservedRun): Promise<number | string> {
  observed.run.kill('SIGTERM');
  return observed.run.exited;
}
