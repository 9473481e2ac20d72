/**
 * Nexmark for Weir: the event generator as a source, and the benchmark queries.
 *
 * @example
 * ```ts
 * import { nexmarkSource, isBid } from '../bench/nexmark/index.ts';
 * env.fromSource(nexmarkSource({ events: 100_000 })).filter(isBid).sinkTo(printSink());
 * ```
 */
export * from './model.ts';
export * from './config.ts';
export { NexmarkGenerator } from './generator.ts';
export { nexmarkSource, nexmarkSourceConfig, type NexmarkSourceOptions } from './source.ts';
export { JavaRandom } from './java-random.ts';
export { QUERIES, PLANNED, findQuery, q0, q1, q2, q3, q4, q5, q6, q7, q8, q11, q12, type LoopRun, type NexmarkQuery } from './queries/index.ts';
