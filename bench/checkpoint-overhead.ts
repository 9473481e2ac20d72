/**
 * Checkpoint overhead: the micro pipeline with keyed state of 1M keys, checkpointing every 1 s
 * (filesystem storage in a temp dir) versus checkpointing off, in the same run. Throughput is
 * steady state: records reaching the sink during a window that starts once every key has state,
 * on an unbounded source (a bounded one would add its final checkpoint and start-up to the time).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HeapStateBackend, StreamEnvironment, generatorSource, type Sink } from '@weir/core';
import { pino } from 'pino';
import { double, keep, sum, type Bid } from './pipeline.ts';
import { report, type Measurement } from './measure.ts';
import { NO_PROGRESS, type Progress } from './lib/progress.ts';
import { measuredCase, type CaseResult } from './lib/results.ts';
import { median, pairedRatios, spread } from './lib/stats.ts';

const KEYS = 1_000_000;
const generate = (i: number): Bid => ({ key: i % KEYS, value: i });

interface Window {
  readonly rate: number;
  /** Records per second of process CPU time (all threads): what a neighbour stealing CPU cannot skew. */
  readonly cpuRate: number;
  readonly checkpoints: number;
}

async function window(warmupMs: number, windowMs: number, checkpointDir: string | undefined, objects = false): Promise<Window> {
  const counter = { n: 0 };
  const sink: Sink<Bid> = { createWriter: () => ({ write: () => void counter.n++ }) };
  const env = StreamEnvironment.create({ logger: pino({ level: 'warn' }) });
  if (objects) env.setStateBackend(new HeapStateBackend({ columnsFrom: Infinity }));
  if (checkpointDir !== undefined) env.enableCheckpointing(1000, { storage: await mkdtemp(join(checkpointDir, 'w-')) });
  env.fromSource(generatorSource({ generate })).map(double).filter(keep).keyBy((b) => b.key).reduce(sum).sinkTo(sink);
  const client = env.executeAsync('bench-checkpoint');
  await sleep(warmupMs);
  const n0 = counter.n;
  const c0 = client.checkpointStats().counts.completed;
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  await sleep(windowMs);
  const cpu = process.cpuUsage(cpu0);
  const rate = (counter.n - n0) / ((performance.now() - t0) / 1000);
  const cpuRate = (counter.n - n0) / ((cpu.user + cpu.system) / 1e6);
  const checkpoints = client.checkpointStats().counts.completed - c0;
  client.cancel();
  await client.result;
  return { rate, cpuRate, checkpoints };
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/**
 * Paired rounds: each round measures off, then on, back to back (the default backend: the 1M-key
 * state turns into columns), then off with the state kept as objects, for what the layout alone does, and the ratio is taken within
 * the round. On a shared machine the load drifts between rounds; a pair sees nearly the same
 * machine, so the median of the paired ratios is steadier than a ratio of two medians. The
 * per-CPU-second ratio also divides by the process's CPU time, which time stolen by other
 * virtual machines does not inflate; it counts every thread (GC helpers, file writes), so it
 * charges checkpointing for work done off the task's thread too.
 */
export async function runCheckpointOverhead(rounds: number, windowMs = 6000, progress: Progress = NO_PROGRESS): Promise<CaseResult[]> {
  const dir = await mkdtemp(join(tmpdir(), 'weir-bench-ck-'));
  try {
    const off: number[] = [];
    const on: number[] = [];
    const asObjects: number[] = [];
    const ratios: number[] = [];
    const cpuRatios: number[] = [];
    const offCpu: number[] = [];
    const onCpu: number[] = [];
    const objectsCpu: number[] = [];
    const completed: number[] = [];
    let checkpoints = 0;
    const timed = async (label: string, run: () => Promise<Window>): Promise<Window> => {
      progress.start(label);
      const w = await run();
      progress.finish(`${(w.rate / 1e6).toFixed(2)} M records/s`);
      return w;
    };
    for (let r = 0; r < rounds; r++) {
      const round = ` · round ${r + 1}/${rounds}`;
      const base = await timed(`checkpoint: off${round}`, () => window(2000, windowMs, undefined));
      off.push(base.rate);
      offCpu.push(base.cpuRate);
      const w = await timed(`checkpoint: every 1 s${round}`, () => window(2000, windowMs, dir));
      on.push(w.rate);
      onCpu.push(w.cpuRate);
      ratios.push(w.rate / base.rate);
      const objects = await timed(`checkpoint: off, objects${round}`, () => window(2000, windowMs, undefined, true));
      asObjects.push(objects.rate);
      objectsCpu.push(objects.cpuRate);
      cpuRatios.push(w.cpuRate / base.cpuRate);
      checkpoints = w.checkpoints;
      completed.push(w.checkpoints);
    }
    const row = (name: string, all: number[]): Measurement => ({ name, count: 0, recordsPerSecond: median(all), all, perCore: NaN, emitted: 0 });
    report(`checkpoint overhead: micro pipeline, ${KEYS.toLocaleString('en')} keys of keyed state, ${windowMs / 1000} s windows`, [row('checkpointing off', off), row('checkpoint every 1 s', on), row('off, state kept as objects', asObjects)], row('checkpointing off', off));
    console.log(`  paired ratio (on / off within a round): ${spread(ratios)}`);
    console.log(`  per CPU-second ratio (records per second of process CPU): ${spread(cpuRatios)}`);
    console.log(`  (${checkpoints} checkpoints completed in the last checkpointed window)`);
    const common = { experiment: 'checkpoint', query: 'micro, 1M keys', events: null, parallelism: 1, baseline: 'checkpoint off' } as const;
    return [
      measuredCase({ ...common, case: 'checkpoint off', variant: 'weir', rounds: off, perCore: median(offCpu), baselineRatio: 1, perCoreBaselineRatio: 1, baseline: null }),
      measuredCase({
        ...common,
        case: 'checkpoint every 1 s',
        variant: 'weir',
        rounds: on,
        perCore: median(onCpu),
        baselineRatio: median(ratios),
        perCoreBaselineRatio: median(cpuRatios),
        checkpointIntervalMs: 1000,
        checkpoints: { completed: median(completed), failed: 0, medianDurationMs: null, maxDurationMs: null, medianStateBytes: null, overheadRatio: median(ratios) },
        extra: { windowMs, checkpointsPerWindow: completed },
      }),
      measuredCase({
        ...common,
        case: 'checkpoint off, state as objects',
        variant: 'weir',
        rounds: asObjects,
        perCore: median(objectsCpu),
        baselineRatio: median(pairedRatios(asObjects, off)),
        perCoreBaselineRatio: median(pairedRatios(objectsCpu, offCpu)),
      }),
    ];
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
