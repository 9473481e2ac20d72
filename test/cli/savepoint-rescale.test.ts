import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { readCommitted } from '../support/file-sink-output.ts';
import { expectedOutput, type Out } from './jobs/generator-job.ts';
import { runWeir, startWeir } from './support/weir-cli.ts';
import { tempDirs } from '../support/temp-dirs.ts';

const JOB = fileURLToPath(new URL('./jobs/generator-job.ts', import.meta.url));
const COUNT = 30_000;
const KEYS = 60;

const dirs = tempDirs('weir-cli-savepoint-');
afterAll(() => dirs.cleanup());

describe('weir savepoint, weir cancel, then weir run --from-savepoint at another parallelism', () => {
  it('resumes from the savepoint at parallelism 3 and ends with exactly the expected output', async () => {
    const root = await dirs.make();
    const ck = join(root, 'ck');
    // Slow enough that the first run is still going after three CLI round trips (each starts a
    // process: about a second apiece on a loaded machine); cancel ends it early anyway.
    const env = { OUT_DIR: join(root, 'out'), COUNT: String(COUNT), KEYS: String(KEYS), RATE: '2000' };
    // No periodic checkpoint during the first run: only the savepoint commits output, so the
    // restored run must produce exactly the rest.
    const first = startWeir(['run', JOB, '--checkpoint-dir', ck, '--checkpoint-interval', '600000', '--job-name', 'gen', '--parallelism', '2'], env);
    const endpoint = await first.waitFor(/^weir: control endpoint http:\/\/127\.0\.0\.1:\d+$/);
    await first.waitFor(/"job started"/);
    await new Promise((r) => setTimeout(r, 400));

    const control = { port: Number(/:(\d+)$/.exec(endpoint)![1]), jobName: 'gen', pid: first.child.pid };
    expect(JSON.parse(await readFile(join(ck, 'gen', 'control.json'), 'utf8'))).toMatchObject(control);

    const status = await runWeir(['status', 'gen', '--checkpoint-dir', ck, '--json']);
    expect(status.code, status.stderr).toBe(0);
    const { job } = JSON.parse(status.stdout) as { job: { state: string; vertices: { parallelism: number; recordsOut: number }[] } };
    expect(job.state).toBe('running');
    expect(job.vertices.map((v) => v.parallelism)).toEqual([2, 2]);
    expect(job.vertices[0].recordsOut).toBeGreaterThan(0);

    const savepoint = await runWeir(['savepoint', 'gen', join(root, 'savepoints'), '--checkpoint-dir', ck]);
    expect(savepoint.code, savepoint.stderr).toBe(0);
    const path = savepoint.stdout.trim();
    expect(path).toMatch(/savepoints\/savepoint-\d+-[a-z0-9]{6}$/);

    const cancel = await runWeir(['cancel', 'gen', '--checkpoint-dir', ck]);
    expect(cancel.code, cancel.stderr).toBe(0);
    expect(await first.exited).toBe(0);
    expect(first.stderr()).toMatch(/job 'gen' cancelled/);
    await expect(stat(join(ck, 'gen', 'control.json'))).rejects.toThrow(/ENOENT/);
    // A savepoint commits nothing (recovery does not restart from it); what it staged is committed
    // when the next run restores from it.
    const committedAtSavepoint = (await readCommitted<Out>(env.OUT_DIR)).length;
    expect(committedAtSavepoint).toBeLessThan(COUNT);

    const second = await runWeir(['run', JOB, '--checkpoint-dir', ck, '--job-name', 'gen', '--parallelism', '3', '--from-savepoint', path], { ...env, RATE: '50000' });
    expect(second.code, second.stderr).toBe(0);
    expect(second.stderr).toMatch(/restoring from savepoint/);
    expect(second.stderr).toMatch(/"tasks":\["Source \(x3\)","KeyedProcess -> Sink \(x3\)"\]/);

    const output = (await readCommitted<Out>(env.OUT_DIR)).sort((a, b) => a.i - b.i);
    expect(output.length).toBe(COUNT);
    expect(output).toEqual(expectedOutput(COUNT, KEYS));
  }, 40_000);
});
