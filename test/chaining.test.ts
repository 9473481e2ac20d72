import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { collectSink, StreamEnvironment, type DataStreamSink } from '@weir/core';
// Internals of @weir/core are imported by path with `.js`: tsc -b rejects a relative `.ts` import
// into the referenced core project (TS2878, rewriteRelativeImportExtensions); vitest maps `.js` to `.ts`.
import { buildJobGraph, type JobGraph } from '../packages/core/src/graph/job-graph.js';
import { buildStreamGraph, type StreamGraph } from '../packages/core/src/graph/stream-graph.js';
import { transformationsOf } from './support/graphs.ts';

const environment = (parallelism = 1) => StreamEnvironment.create({ parallelism, logger: pino({ level: 'silent' }) });

/** The StreamGraph and JobGraph that `JobManager.submit` would build for these sinks. */
function graphs(env: StreamEnvironment, ...sinks: DataStreamSink<never>[]): { stream: StreamGraph; job: JobGraph } {
  const stream = buildStreamGraph('test', transformationsOf(sinks as DataStreamSink<unknown>[]), {
    parallelism: env.getParallelism(),
    maxParallelism: env.getMaxParallelism(),
  });
  return { stream, job: buildJobGraph(stream) };
}

const vertexNames = (job: JobGraph) => job.vertices.map((v) => v.name);
const edgeKinds = (job: JobGraph) => job.vertices.flatMap((v) => v.outputs.map((e) => `${e.source.id}->${e.target.id}:${e.partitioner.kind}`));

describe('operator chaining', () => {
  it('chains source -> map -> filter -> sink into one vertex whose name joins theirs with " -> "', () => {
    const env = environment();
    const sink = env
      .fromCollection([1, 2, 3], 'numbers')
      .map((x) => x * 2)
      .name('double')
      .filter((x) => x > 2)
      .name('big')
      .sinkTo(collectSink())
      .name('out');
    const { job } = graphs(env, sink);
    expect(vertexNames(job)).toEqual(['numbers -> double -> big -> out']);
    expect(job.vertices[0].nodes.map((n) => n.kind)).toEqual(['source', 'operator', 'operator', 'sink']);
    expect(edgeKinds(job)).toEqual([]);
  });

  it('names unnamed operators by their kind', () => {
    const env = environment();
    const sink = env.fromCollection([1]).map((x) => x).filter(() => true).sinkTo(collectSink());
    expect(vertexNames(graphs(env, sink).job)).toEqual(['Collection Source -> Map -> Filter -> Sink']);
  });

  it('breaks the chain at keyBy, with a hash edge between the two vertices', () => {
    const env = environment();
    const sink = env
      .fromCollection(['a', 'b'])
      .map((w) => ({ w, n: 1 }))
      .keyBy((c) => c.w)
      .reduce((a, b) => ({ w: a.w, n: a.n + b.n }))
      .sinkTo(collectSink());
    const { job } = graphs(env, sink);
    expect(vertexNames(job)).toEqual(['Collection Source -> Map', 'Reduce -> Sink']);
    expect(edgeKinds(job)).toEqual(['v0->v1:hash']);
    expect(job.vertices[1].nodes[0].keyed).toBe(true);
  });

  it('breaks the chain where the parallelism changes, and connects the two with rebalance', () => {
    const env = environment(2);
    // A collection source runs at parallelism 1 even though the default is 2.
    const sink = env.fromCollection([1, 2]).map((x) => x).sinkTo(collectSink());
    const { job } = graphs(env, sink);
    expect(job.vertices.map((v) => [v.name, v.parallelism])).toEqual([
      ['Collection Source', 1],
      ['Map -> Sink', 2],
    ]);
    expect(edgeKinds(job)).toEqual(['v0->v1:rebalance']);
  });

  it('breaks the chain at an explicit setParallelism on a downstream operator', () => {
    const env = environment(2);
    const sink = env.fromCollection([1]).setParallelism(1).map((x) => x).setParallelism(2).sinkTo(collectSink()).setParallelism(1);
    const { job } = graphs(env, sink);
    expect(job.vertices.map((v) => [v.name, v.parallelism])).toEqual([
      ['Collection Source', 1],
      ['Map', 2],
      ['Sink', 1],
    ]);
    expect(edgeKinds(job)).toEqual(['v0->v1:rebalance', 'v1->v2:rebalance']);
  });

  it('runs an operator with chaining disabled in a task of its own, fed and followed by forward edges', () => {
    const env = environment();
    const sink = env
      .fromCollection([1])
      .map((x) => x)
      .filter(() => true)
      .disableChaining()
      .map((x) => x + 1)
      .sinkTo(collectSink());
    const { job } = graphs(env, sink);
    // As Flink's disableChaining(): chained neither to the operator before nor to the one after.
    expect(vertexNames(job)).toEqual(['Collection Source -> Map', 'Filter', 'Map -> Sink']);
    expect(edgeKinds(job)).toEqual(['v0->v1:forward', 'v1->v2:forward']);
  });

  it('does not chain an operator that reads a union', () => {
    const env = environment();
    const a = env.fromCollection([1], 'a');
    const b = env.fromCollection([2], 'b');
    const sink = a.union(b).map((x) => x).sinkTo(collectSink());
    const { job } = graphs(env, sink);
    expect(vertexNames(job)).toEqual(['a', 'b', 'Map -> Sink']);
    expect(edgeKinds(job)).toEqual(['v0->v2:forward', 'v1->v2:forward']);
  });
});

describe('fan-out', () => {
  it('gives a stream consumed by two operators two out-edges, both chained when forward', () => {
    const env = environment();
    const doubled = env.fromCollection([1, 2, 3]).map((x) => x * 2).name('double');
    const evens = doubled.filter((x) => x % 4 === 0).name('by4').sinkTo(collectSink()).name('outA');
    const all = doubled.map((x) => x + 1).name('plus1').sinkTo(collectSink()).name('outB');
    const { stream, job } = graphs(env, evens, all);

    const double = stream.nodes.find((n) => n.name === 'double')!;
    expect(double.outEdges.map((e) => e.target.name)).toEqual(['by4', 'plus1']);
    expect(vertexNames(job)).toEqual(['Collection Source -> double -> by4 -> outA -> plus1 -> outB']);
  });

  it('sends a fanned-out stream through a channel only on the branch that needs one', () => {
    const env = environment();
    const words = env.fromCollection(['a', 'b', 'a']).map((w) => w).name('words');
    const counts = words
      .keyBy((w) => w)
      .reduce((a) => a)
      .sinkTo(collectSink())
      .name('counts');
    const raw = words.sinkTo(collectSink()).name('raw');
    const { job } = graphs(env, counts, raw);
    expect(vertexNames(job)).toEqual(['Collection Source -> words -> raw', 'Reduce -> counts']);
    expect(edgeKinds(job)).toEqual(['v0->v1:hash']);
  });

  it('delivers every record to each consumer of a fanned-out stream at run time', async () => {
    const env = environment(2);
    const left = collectSink<number>();
    const right = collectSink<string>();
    const numbers = env.fromCollection([1, 2, 3, 4]).map((x) => x * 10);
    numbers.sinkTo(left);
    numbers.keyBy((x) => x % 3).map((x) => `v${x}`).sinkTo(right);
    await env.execute();
    expect([...left.values].sort((a, b) => a - b)).toEqual([10, 20, 30, 40]);
    expect([...right.values].sort()).toEqual(['v10', 'v20', 'v30', 'v40']);
  });
});
