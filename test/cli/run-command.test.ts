import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runWeir, startWeir, weirLines } from './support/weir-cli.ts';

const job = (name: string): string => fileURLToPath(new URL(`./jobs/${name}.ts`, import.meta.url));
const GENERATOR = job('generator-job');

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'weir-cli-run-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** A generator job that runs for minutes unless stopped. */
const slowEnv = (): Record<string, string> => ({ OUT_DIR: join(root, `out-${Math.random()}`), COUNT: '1000000', RATE: '2000' });

describe('weir run: exit codes and one-line reasons', () => {
  it.each([
    ['a job file that throws while loading', [job('throws-at-load')], /^weir: job file .*throws-at-load\.ts failed to load: the configuration service is unreachable$/],
    ['a job file with a syntax error', [job('syntax-error.broken')], /^weir: job file .*syntax-error\.broken\.ts failed to load: .*syntax-error\.broken\.ts:2:25: Expected "\]" but found "\)"$/],
    ['a job file without a default export', [job('no-default-export')], /^weir: job file .*no-default-export\.ts has no default export: add 'export default function job\(env\) \{ \.\.\. \}'$/],
    ['a missing job file', ['nope.ts'], /^weir: job file nope\.ts not found$/],
    ['an unknown option', [GENERATOR, '--paralelism', '2'], /^weir: unknown option '--paralelism' \(see 'weir run --help'\)$/],
    ['conflicting options', [GENERATOR, '--fresh', '--from-savepoint', 'x', '--checkpoint-dir', 'ck'], /^weir: --fresh and --from-savepoint conflict/],
    ['a restore option without checkpointing', [GENERATOR, '--from-savepoint', 'x'], /^weir: --from-savepoint needs checkpointing, which the job does not enable: add --checkpoint-dir DIR/],
    ['a public address without a token', [GENERATOR, '--bind', '0.0.0.0'], /^weir: --bind 0\.0\.0\.0 is reachable from other machines: it needs --token TOKEN/],
    ['a token too short to protect anything', [GENERATOR, '--bind', '0.0.0.0', '--token', 'x'], /^weir: --token must be at least 16 characters, got 1/],
  ])('exits 2 on %s', async (_what, args, reason) => {
    const r = await runWeir(['run', ...args], { OUT_DIR: join(root, 'unused') });
    expect(r.code, r.stderr).toBe(2);
    const lines = r.stderr.trim().split('\n');
    expect(lines, r.stderr).toHaveLength(1);
    expect(lines[0]).toMatch(reason);
  });

  it('exits 1 with the reason when the job fails for good', async () => {
    const r = await runWeir(['run', job('failing-job')]);
    expect(r.code).toBe(1);
    expect(weirLines(r.stderr).at(-1)).toBe("weir: job 'failing-job' failed: operator 'parse' (uid 'parse') subtask 1/1 failed in processElement: record 100 is malformed");
  });

  it('cancels on SIGTERM (exit 0) and exits at once with 130 on a second signal', async () => {
    const first = startWeir(['run', GENERATOR, '--job-name', 'sig'], slowEnv(), root);
    await first.waitFor(/"job started"/);
    first.kill('SIGTERM');
    expect(await first.exited).toBe(0);
    expect(weirLines(first.stderr())).toContain("weir: SIGTERM: cancelling job 'sig' (send it again to exit at once)");
    expect(first.stderr()).toMatch(/weir: job 'sig' cancelled in /);

    const hung = startWeir(['run', job('hangs-on-cancel-job')], {}, root);
    await hung.waitFor(/"job started"/);
    hung.kill('SIGINT');
    await hung.waitFor(/^weir: SIGINT: cancelling job 'hangs-on-cancel-job'/);
    hung.kill('SIGINT');
    expect(await hung.exited).toBe(130);
    expect(weirLines(hung.stderr()).at(-1)).toBe('weir: SIGINT again: exiting without waiting for the job to stop');
  });

  it('says which checkpoints --fresh deletes, and resumes from the latest without it', async () => {
    const ck = join(root, 'fresh-ck');
    const env = { OUT_DIR: join(root, 'fresh-out'), COUNT: '4000', RATE: '20000' };
    const args = ['run', GENERATOR, '--checkpoint-dir', ck, '--checkpoint-interval', '50', '--job-name', 'fresh'];
    expect((await runWeir(args, env)).code).toBe(0);
    const again = await runWeir(args, env);
    expect(again.code).toBe(0);
    expect(again.stderr).toMatch(/restoring from checkpoint \d+/);
    const fresh = await runWeir([...args, '--fresh'], { ...env, OUT_DIR: join(root, 'fresh-out-2') });
    expect(fresh.code, fresh.stderr).toBe(0);
    expect(weirLines(fresh.stderr)).toContainEqual(
      expect.stringMatching(new RegExp(`^weir: --fresh: deleting 2 earlier checkpoints of job 'fresh' in fs:${ck}/fresh: checkpoint \\d+, checkpoint \\d+$`)),
    );
    expect(fresh.stderr).not.toMatch(/restoring from/);
  });
});

describe('the control endpoint', () => {
  it('serves GET /job and /checkpoints, answers errors in JSON, and cancels on POST /cancel', async () => {
    const run = startWeir(['run', GENERATOR, '--job-name', 'api', '--checkpoint-dir', join(root, 'api-ck'), '--checkpoint-interval', '100'], slowEnv(), root);
    const url = (await run.waitFor(/^weir: control endpoint /)).replace('weir: control endpoint ', '');
    await run.waitFor(/"checkpoint completed"/);
    const get = async (path: string): Promise<[number, Record<string, unknown>]> => {
      const res = await fetch(`${url}${path}`);
      return [res.status, (await res.json()) as Record<string, unknown>];
    };
    const post = async (path: string, body: unknown, type = 'application/json'): Promise<[number, Record<string, unknown>]> => {
      const res = await fetch(`${url}${path}`, { method: 'POST', headers: { 'content-type': type }, body: JSON.stringify(body) });
      return [res.status, (await res.json()) as Record<string, unknown>];
    };
    const [status, jobInfo] = await get('/job');
    expect(status).toBe(200);
    expect(jobInfo).toMatchObject({ jobName: 'api', state: 'running', restarts: 0, pid: run.child.pid });
    expect(jobInfo.vertices).toEqual([
      expect.objectContaining({ id: 'v0', name: 'Source', parallelism: 1, inputs: [] }),
      expect.objectContaining({ id: 'v1', name: 'KeyedProcess -> Sink', parallelism: 1, inputs: ['v0'] }),
    ]);
    const [, checkpoints] = await get('/checkpoints');
    expect((checkpoints.counts as { completed: number }).completed).toBeGreaterThan(0);
    expect(await get('/nope')).toEqual([404, { error: expect.stringMatching(/no route \/nope/) }]);
    expect(await post('/job', {})).toEqual([405, { error: '/job takes GET' }]);
    expect(await post('/savepoints', { dir: 'relative/dir' })).toEqual([400, { error: `'dir' must be an absolute path, got "relative/dir"` }]);
    expect((await post('/savepoints', { dir: '/tmp' }, 'text/plain'))[0]).toBe(403);
    const [savepointStatus, savepoint] = await post('/savepoints', { dir: join(root, 'api-savepoints') });
    expect(savepointStatus).toBe(200);
    expect(savepoint.path).toMatch(/api-savepoints\/savepoint-\d+-/);
    const [cancelStatus, cancelled] = await post('/cancel', { savepoint: join(root, 'api-savepoints') });
    expect(cancelStatus).toBe(200);
    expect(cancelled).toEqual({ cancelled: true, savepoint: expect.stringMatching(/savepoint-\d+-/) });
    expect(await run.exited).toBe(0);
  });

  it('requires the bearer token on a non-loopback address', async () => {
    const run = startWeir(['run', GENERATOR, '--job-name', 'remote', '--bind', '0.0.0.0', '--token', 's3cret-s3cret-s3cret'], slowEnv(), root);
    const port = /:(\d+)$/.exec(await run.waitFor(/^weir: control endpoint /))![1];
    const url = `http://127.0.0.1:${port}/job`;
    const denied = await fetch(url);
    expect(denied.status).toBe(401);
    expect(denied.headers.get('www-authenticate')).toBe('Bearer');
    const allowed = await fetch(url, { headers: { authorization: 'Bearer s3cret-s3cret-s3cret' } });
    expect(allowed.status).toBe(200);
    const refused = await runWeir(['status', 'remote'], { WEIR_TOKEN: '' }, root);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/GET \/job failed \(401\)/);
    const cancel = await runWeir(['cancel', 'remote', '--token', 's3cret-s3cret-s3cret'], {}, root);
    expect(cancel.code, cancel.stderr).toBe(0);
    expect(await run.exited).toBe(0);
  });

  it('tells a client when no job of that name runs', async () => {
    const r = await runWeir(['status', 'ghost'], {}, root);
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toMatch(/^weir: no running job 'ghost': found no .*checkpoints\/ghost\/control\.json or .*\.weir\/ghost\/control\.json/);
  });
});
