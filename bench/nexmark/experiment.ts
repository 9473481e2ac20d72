/**
 * The Nexmark experiment: for each query, in each round, the hand-written loop, the Weir job
 * without checkpoints and the job checkpointing every `checkpointIntervalMs`, each in a fresh
 * process, back to back. Ratios are taken within a round (a round sees nearly the same machine,
 * which on a shared machine drifts between rounds) and their median reported.
 */
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { runInChild } from '../lib/child.ts';
import type { Progress } from '../lib/progress.ts';
import { rate, type CaseResult } from '../lib/results.ts';
import { median, pairedRatios } from '../lib/stats.ts';
import type { NexmarkOptions } from './config.ts';
import { findQuery, PLANNED, QUERIES } from './queries/index.ts';
import type { NexmarkCase, NexmarkCaseResult } from './run-case.ts';

export interface NexmarkBenchOptions {
  readonly queries: readonly string[];
  readonly events: number;
  readonly parallelism: number;
  /** 0: only checkpointing off. */
  readonly checkpointIntervalMs: number;
  readonly rounds: number;
  readonly warmupEvents: number;
  /** Event-time rate and other generator options. */
  readonly generator: NexmarkOptions;
  /** Write a CPU profile of each case's process into this directory. */
  readonly cpuProfileDir?: string;
}

/** The Flink suite's event rate (`nexmark.workload.suite.100m.tps`): sets event times, not pace. */
export const SUITE_EVENTS_PER_SECOND = 10_000_000;

const CASE_MAIN = fileURLToPath(new URL('./case-main.ts', import.meta.url));

interface Variant {
  readonly label: string;
  readonly variant: 'loop' | 'weir';
  readonly checkpointIntervalMs: number;
}

/** Throws, naming what is missing, for a query that is not written yet or does not exist. */
export function checkQueries(names: readonly string[]): void {
  for (const name of names) {
    if (findQuery(name) !== undefined) continue;
    const planned = PLANNED[name];
    throw new Error(
      planned === undefined
        ? `unknown Nexmark query '${name}'; written: ${QUERIES.map((q) => q.name).join(', ')}`
        : `Nexmark ${name} is not written yet: ${planned}. Written: ${QUERIES.map((q) => q.name).join(', ')}`,
    );
  }
}

export async function runNexmark(options: NexmarkBenchOptions, progress: Progress): Promise<CaseResult[]> {
  checkQueries(options.queries);
  const p = options.parallelism;
  const variants: Variant[] = [
    { label: 'hand loop (baseline)', variant: 'loop', checkpointIntervalMs: 0 },
    { label: `weir p=${p}`, variant: 'weir', checkpointIntervalMs: 0 },
    ...(options.checkpointIntervalMs > 0 ? [{ label: `weir p=${p} ckpt ${seconds(options.checkpointIntervalMs)}`, variant: 'weir' as const, checkpointIntervalMs: options.checkpointIntervalMs }] : []),
  ];
  if (options.cpuProfileDir !== undefined) mkdirSync(options.cpuProfileDir, { recursive: true });
  const results: CaseResult[] = [];
  for (const name of options.queries) {
    const query = findQuery(name)!;
    const runs: NexmarkCaseResult[][] = variants.map(() => []);
    for (let round = 1; round <= options.rounds; round++) {
      for (const [i, v] of variants.entries()) {
        const spec: NexmarkCase = {
          query: name,
          variant: v.variant,
          events: options.events,
          parallelism: p,
          checkpointIntervalMs: v.checkpointIntervalMs,
          warmupEvents: options.warmupEvents,
          generator: options.generator,
        };
        const label = `${name} ${v.label} · round ${round}/${options.rounds}`;
        progress.start(label, options.events);
        const r = await runInChild<NexmarkCaseResult>(CASE_MAIN, spec, {
          onProgress: (done) => progress.update(done),
          // One directory per case: Node writes a profile per thread (the loader's too), the main thread's the largest.
          execArgv: options.cpuProfileDir === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${options.cpuProfileDir}/${name}-${v.variant}${v.checkpointIntervalMs > 0 ? '-ckpt' : ''}-p${p}-r${round}`],
        });
        progress.finish(`${rate(r.recordsPerSecond)}, ${rate(r.perCore)} per core`);
        runs[i].push(r);
      }
    }
    if (query.nondeterministic !== true) checkOutputs(name, variants, runs);
    const baseline = runs[0].map((r) => r.recordsPerSecond);
    const baselineCpu = runs[0].map((r) => r.perCore);
    const off = runs[1].map((r) => r.recordsPerSecond);
    for (const [i, v] of variants.entries()) {
      const rs = runs[i];
      const rates = rs.map((r) => r.recordsPerSecond);
      const isBaseline = v.variant === 'loop';
      const ck = rs.map((r) => r.checkpoints).filter((c) => c !== null);
      results.push({
        experiment: 'nexmark',
        case: `${name} ${v.label}`,
        query: name,
        variant: v.variant,
        events: options.events,
        rounds: options.rounds,
        parallelism: isBaseline ? 1 : p,
        checkpointIntervalMs: v.checkpointIntervalMs > 0 ? v.checkpointIntervalMs : null,
        recordsPerSecond: median(rates),
        recordsPerSecondRounds: rates,
        perCore: median(rs.map((r) => r.perCore)),
        baselineRatio: isBaseline ? 1 : median(pairedRatios(rates, baseline)),
        perCoreBaselineRatio: isBaseline ? 1 : median(pairedRatios(rs.map((r) => r.perCore), baselineCpu)),
        baseline: isBaseline ? null : `${name} ${variants[0].label}`,
        checkpoints:
          ck.length === 0
            ? null
            : {
                completed: median(ck.map((c) => c.completed)),
                failed: ck.reduce((n, c) => n + c.failed, 0),
                medianDurationMs: nullIfNaN(median(ck.flatMap((c) => c.durationsMs))),
                maxDurationMs: ck.some((c) => c.durationsMs.length > 0) ? Math.max(...ck.flatMap((c) => c.durationsMs)) : null,
                medianStateBytes: nullIfNaN(median(ck.flatMap((c) => c.stateBytes))),
                overheadRatio: median(pairedRatios(rates, off)),
              },
        outputRecords: rs[0].outputRecords,
        peakRssMb: Math.max(...rs.map((r) => r.peakRssMb)),
        flinkPerCore: query.flinkPerCore ?? null,
        extra: {
          secondsRounds: rs.map((r) => r.seconds),
          cpuSecondsRounds: rs.map((r) => r.cpuSeconds),
          perCoreRounds: rs.map((r) => r.perCore),
          /** What the job adds per event over the loop, from the medians: 1/rate − 1/baseline. */
          overheadNsPerEvent: isBaseline ? 0 : (1 / median(rates) - 1 / median(baseline)) * 1e9,
          eventsPerSecondOfEventTime: options.generator.eventsPerSecond ?? null,
          warmupEvents: options.warmupEvents,
        },
      });
    }
  }
  return results;
}

/** Every case of a query must give the sink the same number of records (unless its results depend on the wall clock). */
function checkOutputs(name: string, variants: readonly Variant[], runs: readonly NexmarkCaseResult[][]): void {
  const expected = runs[0][0].outputRecords;
  for (const [i, rs] of runs.entries()) {
    for (const r of rs) {
      if (r.outputRecords !== expected) {
        throw new Error(`${name}: ${variants[i].label} emitted ${r.outputRecords} records, the hand loop ${expected}`);
      }
    }
  }
}

function seconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`;
}

function nullIfNaN(x: number): number | null {
  return Number.isNaN(x) ? null : x;
}
