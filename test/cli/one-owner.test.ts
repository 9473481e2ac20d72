/**
 * One owner per job: a second `weir run` of a job whose first run is alive is refused and names
 * the holder; once the first is SIGKILLed, the second takes the job over, and the output is that
 * of an uninterrupted run.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { readCommitted } from '../support/file-sink-output.ts';
import { expectedOutput, type Out } from './jobs/generator-job.ts';
import { runWeir, startWeir, weirLines } from './support/weir-cli.ts';
import { tempDirs } from '../support/temp-dirs.ts';
import { useRedis } from '../support/use-redis.ts';

const JOB = fileURLToPath(new URL('./jobs/generator-job.ts', import.meta.url));
const COUNT = 30_000;
const KEYS = 20;

const dirs = tempDirs('weir-one-owner-');
afterAll(() => dirs.cleanup());
const redis = useRedis();

describe('two weir runs of one job', () => {
  it('refuses the second while the first runs, and lets it take over once the first is killed', async () => {
    const root = await dirs.make();
    const command = ['run', JOB, '--checkpoint-dir', join(root, 'ck'), '--checkpoint-interval', '50', '--job-name', 'gen'];
    // Slow enough that the first run is still going when the second one and the status come.
    const env = { OUT_DIR: join(root, 'out'), COUNT: String(COUNT), KEYS: String(KEYS), RATE: '3000' };

    const first = startWeir(command, env);
    await first.waitFor(/"checkpoint completed"/);
    const second = await runWeir(command, env);
    expect(second.code, second.stderr).toBe(2);
    const said = weirLines(second.stderr).join('\n');
    expect(said).toContain(`job 'gen' is already running: pid ${first.child.pid} on`);
    // The refused run left the first one's control file alone.
    const status = await runWeir(['status', 'gen', '--checkpoint-dir', join(root, 'ck')]);
    expect(status.code, status.stderr).toBe(0);

    first.kill('SIGKILL');
    await first.exited;
    const takeover = await runWeir(command, { ...env, RATE: '30000' });
    expect(takeover.code, takeover.stderr).toBe(0);
    expect(takeover.stderr).toMatch(/restoring from checkpoint \d+/);
    const out = (await readCommitted<Out>(join(root, 'out'))).sort((a, b) => a.i - b.i);
    expect(out).toEqual(expectedOutput(COUNT, KEYS));
  }, 120_000);

  it('does the same with checkpoints in Redis (the lease a key with a TTL)', async () => {
    const root = await dirs.make();
    const command = ['run', JOB, '--job-name', 'gen'];
    const env = { OUT_DIR: join(root, 'out'), COUNT: String(COUNT), KEYS: String(KEYS), RATE: '3000', REDIS_CHECKPOINTS: redis.url };

    const first = startWeir(command, env, root);
    await first.waitFor(/"checkpoint completed"/);
    const second = await runWeir(command, env, root);
    expect(second.code, second.stderr).toBe(2);
    expect(weirLines(second.stderr).join('\n')).toContain(`job 'gen' is already running: pid ${first.child.pid} on`);

    first.kill('SIGKILL');
    await first.exited;
    // Same host, pid gone: taken over at once, not after the TTL.
    const takeover = await runWeir(command, { ...env, RATE: '30000' }, root);
    expect(takeover.code, takeover.stderr).toBe(0);
    expect(takeover.stderr).toMatch(/restoring from checkpoint \d+/);
    const out = (await readCommitted<Out>(join(root, 'out'))).sort((a, b) => a.i - b.i);
    expect(out).toEqual(expectedOutput(COUNT, KEYS));
  }, 120_000);
});
