/**
 * Throughput of the foundation pipeline at parallelism 1 against a hand-written loop doing the
 * same work, measured in the same process, alternating runs so both see the same machine.
 */
import { StreamEnvironment, generatorSource, type Sink } from '@weir/core';
import { pino } from 'pino';
import { double, generate, handLoop, keep, sum, type Bid } from './pipeline.ts';
import { measure, report, type Measurement } from './measure.ts';
import type { Progress } from './lib/progress.ts';
import { measuredCase, type CaseResult } from './lib/results.ts';

/** Counts records and drops them: the cheapest sink, so the bench measures the pipeline. */
function countingSink(counter: { n: number }): Sink<Bid> {
  return { createWriter: () => ({ write: () => void counter.n++ }) };
}

export async function weirMicro(count: number, parallelism = 1): Promise<number> {
  const counter = { n: 0 };
  const env = StreamEnvironment.create({ parallelism, logger: pino({ level: 'warn' }) });
  env
    .fromSource(generatorSource({ count, generate }))
    .map(double)
    .filter(keep)
    .keyBy((b) => b.key)
    .reduce(sum)
    .sinkTo(countingSink(counter));
  await env.execute('bench-micro');
  return counter.n;
}

export async function runMicro(count: number, rounds: number, progress?: Progress): Promise<CaseResult[]> {
  const loop = await measure('hand-written loop', count, rounds, async () => handLoop(count), progress);
  const weir = await measure('weir p=1', count, rounds, () => weirMicro(count), progress);
  if (loop.emitted !== weir.emitted) throw new Error(`outputs differ: loop ${loop.emitted}, weir ${weir.emitted}`);
  report('micro: generator → map → filter → keyBy → reduce', [loop, weir], loop);
  const row = (m: Measurement, variant: string) =>
    measuredCase({
      experiment: 'micro',
      case: `micro ${m.name}`,
      query: 'micro',
      variant,
      events: count,
      rounds: m.all,
      perCore: m.perCore,
      baselineRatio: m.recordsPerSecond / loop.recordsPerSecond,
      perCoreBaselineRatio: m.perCore / loop.perCore,
      baseline: variant === 'loop' ? null : 'micro hand-written loop',
      parallelism: 1,
      outputRecords: m.emitted,
    });
  return [row(loop, 'loop'), row(weir, 'weir')];
}
