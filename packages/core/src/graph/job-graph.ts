import type { StreamEdge, StreamGraph, StreamNode } from './stream-graph.ts';
import type { Partitioner } from './transformation.ts';

/**
 * A task of the job: a chain of operators that run as plain calls, with no channel between them
 * (Flink's JobVertex). `nodes` are in topological order, the first is the head.
 */
export interface JobVertex {
  readonly id: string;
  readonly name: string;
  readonly parallelism: number;
  readonly nodes: readonly StreamNode[];
  readonly inputs: JobEdge[];
  readonly outputs: JobEdge[];
}

/** A stream edge that crosses between tasks through channels. */
export interface JobEdge {
  readonly source: JobVertex;
  readonly target: JobVertex;
  readonly edge: StreamEdge;
  readonly partitioner: Partitioner;
}

export interface JobGraph {
  readonly jobName: string;
  readonly vertices: readonly JobVertex[];
}

/**
 * Operators chain when nothing needs to move between them: a forward edge, equal parallelism,
 * the target reads only this one input, and neither side disabled chaining.
 */
export function isChainable(edge: StreamEdge): boolean {
  return (
    edge.partitioner.kind === 'forward' &&
    edge.target.inEdges.length === 1 &&
    edge.source.parallelism === edge.target.parallelism &&
    edge.source.chainable &&
    edge.target.chainable
  );
}

/** Groups the StreamGraph's nodes into chains (tasks) and the edges between them. */
export function buildJobGraph(graph: StreamGraph): JobGraph {
  const vertexOf = new Map<StreamNode, { nodes: StreamNode[] }>();
  const chains: { nodes: StreamNode[] }[] = [];
  for (const node of graph.nodes) {
    const inEdge = node.inEdges.length === 1 ? node.inEdges[0] : undefined;
    const chain = inEdge !== undefined && isChainable(inEdge) ? vertexOf.get(inEdge.source)! : undefined;
    if (chain !== undefined) {
      chain.nodes.push(node);
      vertexOf.set(node, chain);
    } else {
      const fresh = { nodes: [node] };
      chains.push(fresh);
      vertexOf.set(node, fresh);
    }
  }
  const vertices: JobVertex[] = chains.map((c, i) => ({
    id: `v${i}`,
    name: c.nodes.map((n) => n.name).join(' -> '),
    parallelism: c.nodes[0].parallelism,
    nodes: c.nodes,
    inputs: [],
    outputs: [],
  }));
  const byChain = new Map(chains.map((c, i) => [c, vertices[i]]));
  for (const node of graph.nodes) {
    for (const edge of node.outEdges) {
      const source = byChain.get(vertexOf.get(edge.source)!)!;
      const target = byChain.get(vertexOf.get(edge.target)!)!;
      if (source === target) continue;
      const jobEdge: JobEdge = { source, target, edge, partitioner: edge.partitioner };
      source.outputs.push(jobEdge);
      target.inputs.push(jobEdge);
    }
  }
  return { jobName: graph.jobName, vertices };
}
