import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runWeir } from './support/weir-cli.ts';

const JOB = fileURLToPath(new URL('./jobs/generator-job.ts', import.meta.url));
const COUNT = 12_000;
// Enough keys that the keyed state (one subtask) is over the 20 KiB inline threshold: a file of its own.
const KEYS = 4000;

let root: string;
let jobDir: string;
let ids: number[];

interface Listed {
  jobDir: string;
  checkpoints: { id: number; kind: string; status: string; problem?: string; sizeBytes: number; durationMs?: number; handles?: number }[];
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'weir-cli-checkpoints-'));
  jobDir = join(root, 'ck', 'gen');
  const env = { OUT_DIR: join(root, 'out'), COUNT: String(COUNT), KEYS: String(KEYS), RATE: '20000' };
  const run = await runWeir(['run', JOB, '--checkpoint-dir', join(root, 'ck'), '--checkpoint-interval', '100', '--job-name', 'gen'], env);
  expect(run.code, run.stderr).toBe(0);
  ids = (await readdir(jobDir)).filter((n) => n.startsWith('chk-')).map((n) => Number(n.slice(4))).sort((a, b) => a - b);
  expect(ids.length).toBe(2);
}, 30_000);

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('weir checkpoints', () => {
  it('inspect describes operators, subtasks and key groups, and dumps keyed state as JSON lines', async () => {
    const chk = join(jobDir, `chk-${ids[1]}`);
    const described = await runWeir(['checkpoints', 'inspect', chk]);
    expect(described.code, described.stderr).toBe(0);
    expect(described.stdout).toContain(`checkpoint ${ids[1]} of job 'gen'`);
    expect(described.stdout).toMatch(/operator 'KeyedProcess' \(uid 'count'\), parallelism 1, max parallelism 128/);
    expect(described.stdout).toMatch(/subtask 0: keyed: key groups 0-127 \(128 with state\), \d+ KiB count-0-keyed/);

    const dump = await runWeir(['checkpoints', 'inspect', chk, '--state', 'count']);
    expect(dump.code, dump.stderr).toBe(0);
    const lines = dump.stdout.trim().split('\n').map((l) => JSON.parse(l) as { keyGroup: number; state: string; key: string; value: number });
    // The last checkpoint is the final one: every record counted, COUNT / KEYS per key.
    expect(lines.length).toBe(KEYS);
    expect(new Set(lines.map((l) => l.key)).size).toBe(KEYS);
    expect(lines.every((l) => l.state === 'count' && l.value === COUNT / KEYS && l.keyGroup >= 0 && l.keyGroup < 128)).toBe(true);

    const unknown = await runWeir(['checkpoints', 'inspect', chk, '--state', 'nope']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr.trim()).toBe(`weir: no operator with uid 'nope' in ${chk}; its operators: 'source', 'count', 'sink'`);
  });

  it('inspect takes <job dir>/latest (or the job dir) for the newest, and names a checkpoint retention subsumed', async () => {
    for (const target of [join(jobDir, 'latest'), jobDir]) {
      const latest = await runWeir(['checkpoints', 'inspect', target]);
      expect(latest.code, latest.stderr).toBe(0);
      expect(latest.stdout).toContain(`checkpoint ${ids[1]} of job 'gen'`);
    }
    const gone = await runWeir(['checkpoints', 'inspect', join(jobDir, `chk-${ids[0] - 1}`)]);
    expect(gone.code).toBe(2);
    expect(gone.stderr).toContain(`weir: checkpoint ${ids[0] - 1} is gone: newer checkpoints subsumed it (retained now: chk-${ids[0]}, chk-${ids[1]})`);
  });

  it('list verifies every handle and marks a checkpoint with a damaged state file as damaged', async () => {
    const before = await runWeir(['checkpoints', 'list', jobDir, '--json']);
    expect(before.code, before.stderr).toBe(0);
    const [listed] = JSON.parse(before.stdout) as Listed[];
    expect(listed.checkpoints.map((c) => [c.id, c.status])).toEqual(ids.map((id) => [id, 'complete']));

    // Flip one byte in the middle of the newest checkpoint's keyed state file.
    const chk = join(jobDir, `chk-${ids[1]}`);
    const file = join(chk, (await readdir(chk)).find((n) => n.endsWith('-keyed'))!);
    const bytes = await readFile(file);
    bytes[bytes.length >> 1] ^= 0xff;
    await writeFile(file, bytes);

    const after = await runWeir(['checkpoints', 'list', join(root, 'ck'), '--json']);
    expect(after.code, after.stderr).toBe(0);
    const [job] = JSON.parse(after.stdout) as Listed[];
    expect(job.jobDir).toBe(jobDir);
    expect(job.checkpoints[0]).toMatchObject({ id: ids[0], status: 'complete' });
    expect(job.checkpoints[1]).toMatchObject({ id: ids[1], status: 'damaged' });
    expect(job.checkpoints[1].problem).toMatch(/checksum mismatch/);

    const text = await runWeir(['checkpoints', 'list', jobDir]);
    expect(text.stdout).toMatch(new RegExp(`^${ids[1]} +checkpoint .* damaged: state file .*count-0-keyed.*checksum mismatch`, 'm'));
    expect(text.stdout).toMatch(new RegExp(`^${ids[0]} +checkpoint .* complete$`, 'm'));

    const inspect = await runWeir(['checkpoints', 'inspect', chk, '--state', 'count']);
    expect(inspect.code).toBe(1);
    expect(inspect.stderr).toMatch(/is damaged: .*checksum mismatch/);
  });

  it('list marks a checkpoint without _metadata incomplete and one with damaged metadata damaged', async () => {
    const metadata = join(jobDir, `chk-${ids[0]}`, '_metadata');
    const bytes = await readFile(metadata);
    await writeFile(metadata, bytes.subarray(0, bytes.length - 3));
    await rm(join(jobDir, `chk-${ids[1]}`, '_metadata'));
    const listed = await runWeir(['checkpoints', 'list', jobDir, '--json']);
    const [job] = JSON.parse(listed.stdout) as Listed[];
    expect(job.checkpoints.map((c) => c.status)).toEqual(['damaged', 'incomplete']);
    expect(job.checkpoints[0].problem).toMatch(/checksum mismatch|corrupt/);
  });

  it('list of a directory that does not exist is a usage error', async () => {
    const r = await runWeir(['checkpoints', 'list', join(root, 'nowhere')]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe(`weir: ${join(root, 'nowhere')} does not exist`);
  });
});
