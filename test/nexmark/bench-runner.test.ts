import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { EXPERIMENTS, parseBenchArgs } from '../../bench/lib/args.ts';
import { runInChild } from '../../bench/lib/child.ts';
import { formatTable, toMarkdown, type CaseResult } from '../../bench/lib/results.ts';
import { checkQueries } from '../../bench/nexmark/experiment.ts';
import { runNexmarkCase, type NexmarkCase, type NexmarkCaseResult } from '../../bench/nexmark/run-case.ts';

describe('npm run bench: the command line', () => {
  it('runs every experiment by default, and the issue’s two Nexmark command lines as written', () => {
    expect(parseBenchArgs([], {}).experiments).toEqual(EXPERIMENTS);
    expect(EXPERIMENTS).toEqual(expect.arrayContaining(['micro', 'checkpoint', 'redis', 'nexmark']));
    const one = parseBenchArgs('nexmark --query q1 --events 1000000 --parallelism 1 --checkpoint-interval 1000'.split(' '), {});
    expect(one).toMatchObject({ experiments: ['nexmark'], queries: ['q1'], events: 1_000_000, parallelism: 1, checkpointIntervalMs: 1000, quick: false });
    const all = parseBenchArgs(['nexmark', '--all', '--quick'], {});
    expect(all).toMatchObject({ experiments: ['nexmark'], queries: undefined, quick: true });
    expect(parseBenchArgs(['nexmark', '--query', 'q0,q2', '--query', 'q3', '--events', '2M'], {})).toMatchObject({ queries: ['q0', 'q2', 'q3'], events: 2_000_000 });
  });

  it('keeps the older environment variables, and refuses what it does not know', () => {
    expect(parseBenchArgs([], { BENCH_ONLY: 'micro', BENCH_ROUNDS: '2' })).toMatchObject({ experiments: ['micro'], rounds: 2 });
    expect(() => parseBenchArgs(['nexmrak'], {})).toThrow(/unknown experiment 'nexmrak'/);
    expect(() => parseBenchArgs(['--events', 'many'], {})).toThrow(/--events/);
    expect(() => parseBenchArgs(['--evnts', '5'], {})).toThrow();
    expect(() => checkQueries(['q0', 'q4', 'q5', 'q6', 'q7', 'q8', 'q11', 'q12'])).not.toThrow();
    expect(() => checkQueries(['q99'])).toThrow(/unknown Nexmark query 'q99'/);
  });
});

describe('a Nexmark case', () => {
  const spec: NexmarkCase = {
    query: 'q1',
    variant: 'weir',
    events: 60_000,
    parallelism: 2,
    checkpointIntervalMs: 30,
    warmupEvents: 5_000,
    generator: { eventsPerSecond: 10_000_000 },
  };

  it('measures the job and its checkpoints, and gives the sink what the hand loop gives', async () => {
    const done: number[] = [];
    const job = await runNexmarkCase(spec, (n) => done.push(n));
    const loop = await runNexmarkCase({ ...spec, variant: 'loop' });
    expect(job.outputRecords).toBe(loop.outputRecords);
    expect(job.outputRecords).toBe(55_200); // 46 of every 50 events are bids
    for (const r of [job, loop]) {
      expect(r.recordsPerSecond).toBeGreaterThan(0);
      expect(r.perCore).toBeGreaterThan(0);
      expect(r.peakRssMb).toBeGreaterThan(10);
    }
    expect(job.checkpoints).not.toBeNull();
    expect(job.checkpoints!.durationsMs.length).toBe(job.checkpoints!.completed);
    expect(loop.checkpoints).toBeNull();
    expect(done.every((n, i) => n <= spec.events && (i === 0 || n >= done[i - 1]))).toBe(true);
  });

  it('runs in a process of its own and reports back', async () => {
    const main = fileURLToPath(new URL('../../bench/nexmark/case-main.ts', import.meta.url));
    const r = await runInChild<NexmarkCaseResult>(main, { ...spec, query: 'q2', checkpointIntervalMs: 0, parallelism: 1 }, { execArgv: ['--import', 'tsx'] });
    expect(r.outputRecords).toBeGreaterThan(0);
    expect(r.checkpoints).toBeNull();
  });
});

describe('the results', () => {
  const row: CaseResult = {
    experiment: 'nexmark',
    case: 'q1 weir p=1 ckpt 1 s',
    query: 'q1',
    variant: 'weir',
    events: 1_000_000,
    rounds: 3,
    parallelism: 1,
    checkpointIntervalMs: 1000,
    recordsPerSecond: 1_234_567,
    recordsPerSecondRounds: [1_234_567],
    perCore: 456_789,
    baselineRatio: 0.876,
    perCoreBaselineRatio: 0.951,
    baseline: 'q1 hand loop (baseline)',
    checkpoints: { completed: 4, failed: 0, medianDurationMs: 3.4, maxDurationMs: 9, medianStateBytes: 100, overheadRatio: 0.99 },
    outputRecords: 920_000,
    peakRssMb: 97.6,
    flinkPerCore: 395_000,
  };

  it('prints one aligned row per case with the issue’s columns', () => {
    const lines = formatTable([row]).split('\n');
    expect(lines[0]).toMatch(/^case\s+events\s+records\/s\s+per core\s+ratio\s+cpu ratio\s+ckpts\s+ckpt p50\s+peak RSS$/);
    expect(lines[2]).toMatch(/^q1 weir p=1 ckpt 1 s\s+1,000,000\s+1\.23 M\/s\s+457 k\/s\s+0\.88\s+0\.95\s+4\s+3 ms\s+98 MB$/);
    expect(new Set(lines.map((l) => l.length)).size).toBe(1);
  });

  it('writes Markdown with the machine and the comparison with Flink', () => {
    const md = toMarkdown({
      startedAt: '2030-01-02T03:04:05.000Z',
      finishedAt: '2030-01-02T03:14:05.000Z',
      args: ['nexmark', '--quick'],
      machine: { cores: 2, cpuModel: 'Some CPU', node: 'v20.0.0', platform: 'linux', arch: 'x64', totalMemoryGb: 8, loadAverageAtStart: [1, 1, 1] },
      cases: [row],
    });
    expect(md).toContain('`npm run bench -- nexmark --quick` on 2 × Some CPU, Node v20.0.0');
    expect(md).toContain('| q1 weir p=1 ckpt 1 s | 1,000,000 | 1.23 M/s | 457 k/s | 0.88 | 0.95 | 4 | 3 ms | 98 MB |');
    expect(md).toContain("q1 weir p=1 ckpt 1 s: 457 k/s per core, 1.16 × Flink's 395 k/s");
  });
});
