/**
 * The Nexmark stream as a Weir source: a {@link generatorSource} over {@link NexmarkGenerator}.
 * Subtask `s` of `p` emits positions `s, s + p, s + 2p, …`; a checkpoint records each split's
 * next position, and a restore (at any parallelism) resumes from there, replaying exactly the
 * events that followed.
 */
import { generatorSource, rejectUnknownOptions, type GeneratorSplit, type Source } from '@weir/core';
import { NEXMARK_OPTION_NAMES, nexmarkConfig, type NexmarkConfig, type NexmarkOptions } from './config.ts';
import { NexmarkGenerator } from './generator.ts';
import type { NexmarkEvent } from './model.ts';

/** Options of {@link nexmarkSource}: the generator's, plus how many and how fast. */
export interface NexmarkSourceOptions extends NexmarkOptions {
  /** Events in all, over every subtask; omit for an unbounded stream. */
  readonly events?: number;
  /** Wall-clock pace, events per second over all subtasks; omit for as fast as possible. */
  readonly ratePerSecond?: number;
}

/**
 * Person, auction and bid events, deterministic and restorable, at any parallelism.
 *
 * @example
 * ```ts
 * env.fromSource(nexmarkSource({ events: 1_000_000 }))
 *   .filter((e) => e.kind === 'bid')
 *   .map((e) => e as Bid)
 *   .sinkTo(printSink());
 * ```
 */
export function nexmarkSource(options: NexmarkSourceOptions = {}): Source<NexmarkEvent, GeneratorSplit> {
  rejectUnknownOptions('nexmarkSource', options, [...NEXMARK_OPTION_NAMES, 'events', 'ratePerSecond']);
  const { events, ratePerSecond, ...generatorOptions } = options;
  const generator = new NexmarkGenerator(nexmarkConfig(generatorOptions));
  return generatorSource({
    ...(events === undefined ? {} : { count: events }),
    ...(ratePerSecond === undefined ? {} : { ratePerSecond }),
    generate: (position) => generator.event(position),
  });
}

/** The config a source made with `options` generates with (for a query's time bounds). */
export function nexmarkSourceConfig(options: NexmarkSourceOptions = {}): NexmarkConfig {
  const { events: _events, ratePerSecond: _rate, ...generatorOptions } = options;
  return nexmarkConfig(generatorOptions);
}
