import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { tempDirs } from '../support/temp-dirs.ts';
import { eventually, parseMetrics, scrape, startObserved, stop, total, type ObservedRun } from './metrics-support.ts';

const dirs = tempDirs('weir-metrics-');
afterAll(() => dirs.cleanup());

const running: ObservedRun[] = [];
afterEach(() => {
  for (const r of running.splice(0)) r.run.kill('SIGKILL');
});

async function observe(jobName: string, env: Record<string, string>, args: readonly string[] = []): Promise<ObservedRun> {
  const root = await dirs.make();
  const observed = await startObserved({ jobName, checkpointDir: join(root, 'ck'), env, args });
  running.push(observed);
  return observed;
}

const COUNT_TASK = { task_name: /^count/ };
const SOURCE_TASK = { task_name: /^Source/ };

describe('GET /metrics of a running job', () => {
  it('counts exactly the records sent, and the checkpoint histograms rise as checkpoints complete', async () => {
    // Ten seconds of records: time enough to watch them flow, even on a busy machine.
    const COUNT = 40_000;
    const job = await observe('metered', { COUNT: String(COUNT), RATE: '4000' });

    // Checkpoints complete while records flow: the duration histogram's count rises.
    const durations = (s: Awaited<ReturnType<typeof scrape>>) => total(s, 'weir_checkpoint_duration_seconds_count', { job_name: 'metered', kind: 'checkpoint' });
    const first = await eventually('a completed checkpoint', async () => {
      const n = durations(await scrape(job.url));
      return n !== undefined && n >= 1 ? n : undefined;
    });
    await eventually('more completed checkpoints', async () => ((durations(await scrape(job.url)) ?? 0) >= first + 3 ? true : undefined));
    // The record counters move while records flow.
    const seen = total(await scrape(job.url), 'weir_task_records_in_total', COUNT_TASK) ?? 0;
    const moved = await eventually('the record counters to move', async () => {
      const now = total(await scrape(job.url), 'weir_task_records_in_total', COUNT_TASK) ?? 0;
      return now > seen ? now : undefined;
    });
    expect(moved).toBeLessThanOrEqual(COUNT);

    // Every record went through the keyed count once: the counters equal what the source sent.
    const settled = await eventually('every record counted', async () => {
      const s = await scrape(job.url);
      return total(s, 'weir_task_records_in_total', COUNT_TASK) === COUNT ? s : undefined;
    });
    expect(total(settled, 'weir_task_records_out_total', SOURCE_TASK)).toBe(COUNT);
    expect(settled.filter((s) => s.name === 'weir_task_records_in_total').map((s) => s.labels.subtask).sort()).toEqual(['0', '1']);
    // No records into a source, none out of the last task: those series are not there at all.
    expect(total(settled, 'weir_task_records_in_total', SOURCE_TASK)).toBeUndefined();
    expect(total(settled, 'weir_task_records_out_total', COUNT_TASK)).toBeUndefined();

    const completed = total(settled, 'weir_checkpoints_total', { status: 'completed' })!;
    expect(completed).toBeGreaterThanOrEqual(durations(settled)!);
    expect(total(settled, 'weir_checkpoint_size_bytes_count', { kind: 'checkpoint' })).toBe(durations(settled));
    expect(total(settled, 'weir_checkpoint_ack_delay_seconds_count', COUNT_TASK)).toBe(2 * durations(settled)!);
    expect(total(settled, 'weir_checkpoint_alignment_seconds_count', COUNT_TASK)).toBe(2 * durations(settled)!);
    expect(total(settled, 'weir_checkpoint_last_completed_id')).toBeGreaterThan(0);
    expect(settled.filter((s) => s.name === 'weir_checkpoint_last_ack_delay_seconds')).toHaveLength(4);
    expect(total(settled, 'weir_job_state', { state: 'running' })).toBe(1);
    expect(total(settled, 'weir_job_restarts_total')).toBe(0);
    expect(total(settled, 'weir_task_parallelism', COUNT_TASK)).toBe(2);
    expect(settled.some((s) => s.name === 'weir_thread_event_loop_utilization_ratio')).toBe(true);
    // prom-client's process metrics, under their usual names.
    for (const name of ['process_cpu_seconds_total', 'process_resident_memory_bytes', 'nodejs_heap_size_used_bytes', 'nodejs_eventloop_lag_seconds']) {
      expect(settled.some((s) => s.name === name), name).toBe(true);
    }

    const text = await (await fetch(`${job.url}/metrics`)).text();
    expect(text).toContain('# TYPE weir_task_records_in_total counter');
    expect(text).toContain('# TYPE weir_checkpoint_duration_seconds histogram');
    expect(await stop(job)).toBe(0);
  });

  it('counts restarts, and failures by the operator and phase that failed', async () => {
    const root = await dirs.make();
    const job = await observe('restarting', { COUNT: '6000', RATE: '4000', FAIL_AT: '2500', FAIL_MARKER: join(root, 'failed-once') });
    const after = await eventually('a restart', async () => {
      const s = await scrape(job.url);
      return total(s, 'weir_job_restarts_total') === 1 && total(s, 'weir_job_state', { state: 'running' }) === 1 ? s : undefined;
    });
    expect(total(after, 'weir_job_failures_total', { operator: 'check', phase: 'processElement' })).toBe(1);
    // The restart went back to a checkpoint and replays from it: the counters start again and reach the rest.
    await eventually('the records after the restart', async () => ((total(await scrape(job.url), 'weir_task_records_out_total', SOURCE_TASK) ?? 0) > 0 ? true : undefined));
    const later = await scrape(job.url);
    expect(total(later, 'weir_job_failures_total')).toBe(1);
    expect(await stop(job)).toBe(0);
  });

  it('asks for the token when the endpoint has one, as a bearer token or as the browser sends it', async () => {
    const token = 'a-token-of-sixteen-or-more';
    const job = await observe('guarded', { COUNT: '1000' }, ['--token', token]);
    const res = await fetch(`${job.url}/metrics`);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer');
    // A browser opening the dashboard is asked for the token as a password.
    const page = await fetch(`${job.url}/`, { headers: { accept: 'text/html,application/xhtml+xml' } });
    expect(page.status).toBe(401);
    expect(page.headers.get('www-authenticate')).toMatch(/^Bearer, Basic realm="weir"/);
    const bearer = await fetch(`${job.url}/metrics`, { headers: { authorization: `Bearer ${token}` } });
    expect(bearer.status).toBe(200);
    expect(parseMetrics(await bearer.text()).some((s) => s.name === 'weir_job_state')).toBe(true);
    const basic = { authorization: `Basic ${Buffer.from(`anyone:${token}`).toString('base64')}` };
    expect((await fetch(`${job.url}/`, { headers: basic })).status).toBe(200);
    const forged = await fetch(`${job.url}/cancel`, { method: 'POST', headers: { ...basic, 'content-type': 'text/plain' }, body: '{}' });
    expect(forged.status).toBe(403);
    const crossSite = await fetch(`${job.url}/cancel`, { method: 'POST', headers: { ...basic, 'content-type': 'application/json', origin: 'https://evil.example' }, body: '{}' });
    expect(crossSite.status).toBe(403);
    expect(await stop(job)).toBe(0);
  });
});
