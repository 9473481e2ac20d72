/**
 * One measured Nexmark case, in the current process: a query as its hand-written loop or as a
 * Weir job (checkpointing off or on), on `events` events, after a warm-up run of the same kind.
 *
 * Throughput is events generated per second, from the first poll of the source (the job deployed,
 * its operators open and, with checkpointing, its lease taken) to the moment the last source reader
 * has emitted its last event: for a chained job (q0–q2) every record has then passed the sink; a
 * job with a keyBy still has at most its channels' capacity in flight. Event-time windows and
 * timers still open then fire on the final watermark, after that moment (the loop's `end`, likewise
 * untimed, emits the same). Start-up and the final
 * checkpoint a bounded job waits for are one-off costs, not counted. Per core is events per second of process CPU time (all
 * threads: GC, checkpoint writes), as the Flink suite divides throughput by the cores it used.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { StreamEnvironment, type JobClient } from '@weir/core';
import { pino } from 'pino';
import { blackholeSink } from '../lib/blackhole-sink.ts';
import { nexmarkConfig, type NexmarkOptions } from './config.ts';
import { NexmarkGenerator } from './generator.ts';
import { findQuery, type NexmarkQuery } from './queries/index.ts';
import { nexmarkSource } from './source.ts';
import { SourceTracker } from './tracked-source.ts';

export interface NexmarkCase {
  readonly query: string;
  readonly variant: 'loop' | 'weir';
  readonly events: number;
  /** Source (and default) parallelism of the job; ignored by the loop. */
  readonly parallelism: number;
  /** 0: checkpointing off. */
  readonly checkpointIntervalMs: number;
  readonly warmupEvents: number;
  readonly generator: NexmarkOptions;
}

export interface NexmarkCaseResult {
  readonly recordsPerSecond: number;
  readonly perCore: number;
  readonly seconds: number;
  readonly cpuSeconds: number;
  readonly outputRecords: number;
  readonly peakRssMb: number;
  /** Checkpoints completed before the input ended, with their durations and sizes; null when off. */
  readonly checkpoints: { readonly completed: number; readonly failed: number; readonly durationsMs: number[]; readonly stateBytes: number[] } | null;
}

interface Timing {
  seconds: number;
  cpuSeconds: number;
  outputRecords: number;
  checkpoints: NexmarkCaseResult['checkpoints'];
}

const PROGRESS_MS = 100;

export async function runNexmarkCase(spec: NexmarkCase, progress: (done: number) => void = () => {}): Promise<NexmarkCaseResult> {
  const query = findQuery(spec.query);
  if (query === undefined) throw new Error(`unknown Nexmark query '${spec.query}'`);
  const run = spec.variant === 'loop' ? runLoop : runJob;
  if (spec.warmupEvents > 0) await run(query, { ...spec, events: spec.warmupEvents, checkpointIntervalMs: 0 }, () => {});
  progress(0);
  const t = await run(query, spec, progress);
  return {
    recordsPerSecond: spec.events / t.seconds,
    perCore: spec.events / t.cpuSeconds,
    seconds: t.seconds,
    cpuSeconds: t.cpuSeconds,
    outputRecords: t.outputRecords,
    peakRssMb: process.resourceUsage().maxRSS / 1024,
    checkpoints: t.checkpoints,
  };
}

/** The hand-written loop, in slices of about 2% so that progress can be reported between them. */
async function runLoop(query: NexmarkQuery<unknown>, spec: NexmarkCase, progress: (done: number) => void): Promise<Timing> {
  const generator = new NexmarkGenerator(nexmarkConfig(spec.generator));
  let count = 0;
  let last: unknown;
  const loop = query.loop(generator, (r) => {
    count++;
    last = r;
  });
  const slice = Math.max(50_000, Math.ceil(spec.events / 50));
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  let yielded = 0;
  for (let from = 0; from < spec.events; from += slice) {
    loop(from, Math.min(spec.events, from + slice));
    if (performance.now() - yielded > PROGRESS_MS) {
      progress(Math.min(spec.events, from + slice));
      await yieldToLoop();
      yielded = performance.now();
    }
  }
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  // What the job emits on its final watermark, after its source ended: not timed there either.
  loop.end?.();
  if (count > 0 && last === undefined) throw new Error('unreachable: keeps `last` alive');
  return { seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6, outputRecords: count, checkpoints: null };
}

/** The query as a Weir job, into a blackhole sink. */
async function runJob(query: NexmarkQuery<unknown>, spec: NexmarkCase, progress: (done: number) => void): Promise<Timing> {
  const config = nexmarkConfig(spec.generator);
  const dir = spec.checkpointIntervalMs > 0 ? await mkdtemp(join(tmpdir(), 'weir-nexmark-')) : undefined;
  try {
    const env = StreamEnvironment.create({ parallelism: spec.parallelism, logger: pino({ level: 'warn' }) });
    if (dir !== undefined) env.enableCheckpointing(spec.checkpointIntervalMs, { storage: dir });
    const tracker = new SourceTracker();
    const sink = blackholeSink<unknown>();
    query.build(env, tracker.wrap(nexmarkSource({ ...spec.generator, events: spec.events })), config).sinkTo(sink).name('blackhole');

    const checkpoints = new CheckpointLog();
    let client: JobClient | undefined;
    let cpu0 = process.cpuUsage();
    let cpuAtEnd: NodeJS.CpuUsage | undefined;
    let atEnd: { completed: number; failed: number } | undefined;
    tracker.onStart = () => {
      cpu0 = process.cpuUsage();
    };
    tracker.onEnd = () => {
      cpuAtEnd = process.cpuUsage(cpu0);
      if (client !== undefined) atEnd = checkpoints.read(client);
    };
    const submittedAt = performance.now();
    client = env.executeAsync(`nexmark-${query.name}`);
    const timer = setInterval(() => {
      progress(tracker.emitted());
      if (atEnd === undefined) checkpoints.read(client!);
    }, PROGRESS_MS);
    try {
      await client.result;
    } finally {
      clearInterval(timer);
    }
    const endedAt = tracker.endedAt ?? performance.now();
    const cpu = cpuAtEnd ?? process.cpuUsage(cpu0);
    return {
      seconds: (endedAt - (tracker.startedAt ?? submittedAt)) / 1000,
      cpuSeconds: (cpu.user + cpu.system) / 1e6,
      outputRecords: sink.count,
      checkpoints: dir === undefined ? null : checkpoints.figures(atEnd ?? checkpoints.read(client)),
    };
  } finally {
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  }
}

/** Collects completed checkpoints from the job's stats (which keep only the last 10) as they come. */
class CheckpointLog {
  readonly #completed = new Map<number, { durationMs: number; stateSize: number }>();

  /** Records what is new; returns the counts so far. */
  read(client: JobClient): { completed: number; failed: number } {
    const stats = client.checkpointStats();
    for (const c of stats.history) {
      if (c.status === 'completed' && c.kind === 'checkpoint') this.#completed.set(c.checkpointId, { durationMs: c.durationMs, stateSize: c.stateSize });
    }
    return { completed: stats.counts.completed, failed: stats.counts.failed };
  }

  /** The first `counts.completed` checkpoints' durations and sizes (those done before the input ended). */
  figures(counts: { completed: number; failed: number }): NonNullable<NexmarkCaseResult['checkpoints']> {
    const done = [...this.#completed.entries()].sort((a, b) => a[0] - b[0]).slice(0, counts.completed);
    return {
      completed: counts.completed,
      failed: counts.failed,
      durationsMs: done.map(([, c]) => c.durationMs),
      stateBytes: done.map(([, c]) => c.stateSize),
    };
  }
}
