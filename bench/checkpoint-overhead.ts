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

function spread(xs: number[]): string {
  const sorted = [...xs].sort((a, b) => a - b);
  return `median ${median(xs).toFixed(2)}, range ${sorted[0].toFixed(2)}–${sorted[sorted.length - 1].toFixed(2)} over ${xs.length} rounds`;
}

function median(xs: number[]): number {
  return [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
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
export async function runCheckpointOverhead(rounds: number, windowMs = 6000): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'weir-bench-ck-'));
  try {
    const off: number[] = [];
    const on: number[] = [];
    const asObjects: number[] = [];
    const ratios: number[] = [];
    const cpuRatios: number[] = [];
    let checkpoints = 0;
    for (let r = 0; r < rounds; r++) {
      const base = await window(2000, windowMs, undefined);
      off.push(base.rate);
      const w = await window(2000, windowMs, dir);
      on.push(w.rate);
      ratios.push(w.rate / base.rate);
      asObjects.push((await window(2000, windowMs, undefined, true)).rate);
      cpuRatios.push(w.cpuRate / base.cpuRate);
      checkpoints = w.checkpoints;
    }
    const row = (name: string, all: number[]): Measurement => ({ name, count: 0, recordsPerSecond: median(all), all, emitted: 0 });
    report(`checkpoint overhead: micro pipeline, ${KEYS.toLocaleString('en')} keys of keyed state, ${windowMs / 1000} s windows`, [row('checkpointing off', off), row('checkpoint every 1 s', on), row('off, state kept as objects', asObjects)], row('checkpointing off', off));
    console.log(`  paired ratio (on / off within a round): ${spread(ratios)}`);
    console.log(`  per CPU-second ratio (records per second of process CPU): ${spread(cpuRatios)}`);
    console.log(`  (${checkpoints} checkpoints completed in the last checkpointed window)`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
