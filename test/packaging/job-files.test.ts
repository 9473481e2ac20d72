/**
 * How `weir run` treats a job file of a project of one's own that cannot run: one that Node would
 * load as CommonJS (it would get a second @weir/core), and one whose project lacks @weir/core.
 * Each is refused before the job starts, with what to do.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runWeir } from '../cli/support/weir-cli.ts';

const JOB = "import { printSink, type StreamEnvironment } from '@weir/core';\nexport default (env: StreamEnvironment) => env.fromCollection([1]).sinkTo(printSink());\n";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'weir-job-files-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('weir run of a job file outside the repository', () => {
  it('refuses a job file without a package.json that makes it an ES module, saying how to make it one', async () => {
    await writeFile(join(dir, 'job.ts'), JOB);
    const run = await runWeir(['run', 'job.ts'], {}, dir);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('weir: job file job.ts would load as CommonJS (no package.json above it says "type": "module")');
    expect(run.stderr).toMatch(/Add "type": "module" to package.json \('weir init' does\), or name the file job\.mts/);
  });

  it('refuses a job file of a CommonJS package, naming its package.json', async () => {
    await writeFile(join(dir, 'package.json'), '{ "type": "commonjs" }');
    const run = await runWeir(['run', 'job.ts'], {}, dir);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`would load as CommonJS (${join(dir, 'package.json')} has "type": "commonjs")`);
  });

  it('loads an .mts job file as an ES module, and says to install @weir/core where it is missing', async () => {
    await writeFile(join(dir, 'job.mts'), JOB);
    const run = await runWeir(['run', 'job.mts'], {}, dir);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/Cannot find package '@weir\/core'.*: install it in the job's project \(npm install @weir\/core\)/);
  });
});
