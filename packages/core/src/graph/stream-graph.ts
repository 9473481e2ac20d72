import type { WatermarkStrategy } from '../api/watermarks/watermark-strategy.ts';
import type { ErrorPolicy } from '../connector/dead-letter.ts';
import type { Source } from '../connector/source.ts';
import { isTwoInput, makesTimestamps, needsKeyedInput, type OperatorSpec } from './operator-spec.ts';
import { UPPER_BOUND_MAX_PARALLELISM } from '../state/key-groups.ts';
import { ConfigError } from '../util/config-error.ts';
import { GraphError } from './graph-error.ts';
import type { Partitioner, PhysicalTransformation, Transformation } from './transformation.ts';

/** An operator of the job with its resolved settings (Flink's StreamNode). */
export interface StreamNode {
  readonly id: number;
  readonly name: string;
  readonly uid: string;
  readonly kind: 'source' | 'operator' | 'sink';
  readonly parallelism: number;
  readonly maxParallelism: number;
  readonly keyed: boolean;
  readonly chainable: boolean;
  readonly source: Source<unknown> | undefined;
  /** A source's watermark strategy; `undefined` for other nodes and for sources without event time. */
  readonly watermarkStrategy: WatermarkStrategy<unknown> | undefined;
  /** How often (ms) a source emits watermarks; 0: after every poll of its reader. */
  readonly autoWatermarkInterval: number;
  readonly operator: OperatorSpec | undefined;
  /**
   * Whether the node's output has event time (a source with a watermark strategy, a window, or
   * anything downstream of one): its edges to other tasks then carry each record's timestamp.
   */
  hasTimestamps: boolean;
  /** What the operator does when its user function throws (`'fail'` unless set with `onError`). */
  readonly onError: ErrorPolicy;
  readonly inEdges: StreamEdge[];
  readonly outEdges: StreamEdge[];
}

export interface StreamEdge {
  readonly source: StreamNode;
  readonly target: StreamNode;
  readonly partitioner: Partitioner;
  /** Which input of the target it feeds: 0, or 1 for the second input of a two-input operator. */
  readonly input: 0 | 1;
  /** Set when the edge carries the source's side output of this id, not its main output. */
  readonly outputTag: string | undefined;
}

/** The job's operators and edges, virtual nodes resolved away, validated, in topological order. */
export interface StreamGraph {
  readonly jobName: string;
  readonly nodes: readonly StreamNode[];
}

export interface StreamGraphDefaults {
  readonly parallelism: number;
  readonly maxParallelism: number;
}

/**
 * Builds the StreamGraph from the API's transformations: resolves `keyBy`/`rebalance`/`union`
 * into edge partitioners, fills in default parallelism, and rejects what cannot run, saying what
 * to change.
 */
export function buildStreamGraph(
  jobName: string,
  transformations: readonly Transformation[],
  defaults: StreamGraphDefaults,
): StreamGraph {
  const nodes = new Map<number, StreamNode>();
  const physical = transformations.filter(isPhysical);
  if (!physical.some((t) => t.type === 'sink')) {
    throw new GraphError('the job has no sink: end at least one stream with sinkTo(...)');
  }
  // In API order: an operator's input was added, and so made, before it.
  for (const t of physical) nodes.set(t.id, makeNode(t, defaults, inheritedParallelism(t, nodes)));
  for (const t of physical) {
    if (t.type === 'source') continue;
    const target = nodes.get(t.id)!;
    const inputs = t.type === 'two-input' ? [t.input, t.input2] : [t.input];
    inputs.forEach((input, i) => {
      for (const { from, partitioner, tag } of resolveInputs(input)) {
        const source = nodes.get(from.id);
        if (source === undefined) throw new GraphError(`operator '${t.name}' reads from an operator that is not part of this job`);
        const edge: StreamEdge = { source, target, partitioner: edgePartitioner(source, target, partitioner), input: i as 0 | 1, outputTag: tag };
        source.outEdges.push(edge);
        target.inEdges.push(edge);
      }
    });
  }
  const ordered = topologicalOrder([...nodes.values()]);
  validate(ordered);
  // In topological order, every input's flag is known before its targets'.
  for (const n of ordered) {
    n.hasTimestamps =
      n.watermarkStrategy !== undefined || (n.operator !== undefined && makesTimestamps(n.operator)) || n.inEdges.some((e) => e.source.hasTimestamps);
  }
  return { jobName, nodes: ordered };
}

function isPhysical(t: Transformation): t is PhysicalTransformation {
  return t.type === 'source' || t.type === 'operator' || t.type === 'sink' || t.type === 'two-input';
}

/** The parallelism `t` takes from its input (see `parallelismFromInput`), or undefined. */
function inheritedParallelism(t: PhysicalTransformation, made: ReadonlyMap<number, StreamNode>): number | undefined {
  if (t.type !== 'operator' || t.parallelismFromInput !== true || t.parallelism !== undefined) return undefined;
  const inputs = resolveInputs(t.input);
  if (inputs.length !== 1 || inputs[0].partitioner !== undefined || inputs[0].tag !== undefined) return undefined;
  return made.get(inputs[0].from.id)?.parallelism;
}

function makeNode(t: PhysicalTransformation, defaults: StreamGraphDefaults, inherited: number | undefined): StreamNode {
  const sourceMax = t.type === 'source' ? t.source.maxParallelism : undefined;
  const parallelism = t.parallelism ?? inherited ?? Math.min(defaults.parallelism, sourceMax ?? Infinity);
  return {
    id: t.id,
    name: t.name,
    uid: t.uid ?? `${t.type}-${t.id}`,
    kind: t.type === 'source' ? 'source' : t.type === 'sink' ? 'sink' : 'operator',
    parallelism,
    maxParallelism: t.maxParallelism ?? defaults.maxParallelism,
    keyed: t.type !== 'source' && needsKeyedInput(t.operator),
    chainable: t.chainable,
    source: t.type === 'source' ? t.source : undefined,
    watermarkStrategy: t.type === 'source' ? t.watermarkStrategy : undefined,
    autoWatermarkInterval: t.type === 'source' ? t.autoWatermarkInterval : 0,
    operator: t.type === 'source' ? undefined : t.operator,
    hasTimestamps: false,
    onError: t.type === 'source' ? 'fail' : (t.onError ?? 'fail'),
    inEdges: [],
    outEdges: [],
  };
}

/**
 * The physical upstream nodes of an input, each with the partitioner a virtual node on the way
 * set, and the side output it is read from (if any).
 */
function resolveInputs(
  t: Transformation,
  partitioner?: Partitioner,
  tag?: string,
): { from: PhysicalTransformation; partitioner?: Partitioner; tag?: string }[] {
  switch (t.type) {
    case 'partition':
      return resolveInputs(t.input, partitioner ?? t.partitioner, tag);
    case 'union':
      if (tag !== undefined) throw new GraphError(`getSideOutput('${tag}') applies to an operator, not to a union of streams`);
      return t.inputs.flatMap((i) => resolveInputs(i, partitioner));
    case 'side-output':
      if (tag !== undefined) throw new GraphError(`getSideOutput('${tag}') applies to an operator, not to another side output`);
      if (t.input.type === 'partition' || t.input.type === 'union' || t.input.type === 'source' || t.input.type === 'side-output') {
        throw new GraphError(`getSideOutput('${t.tag}') applies to an operator that emits side outputs (a window, a process function); '${t.input.name}' is a ${t.input.type}`);
      }
      return resolveInputs(t.input, partitioner, t.tag);
    default:
      return [{ from: t, partitioner, tag }];
  }
}

function edgePartitioner(source: StreamNode, target: StreamNode, explicit: Partitioner | undefined): Partitioner {
  if (explicit === undefined) {
    return source.parallelism === target.parallelism ? { kind: 'forward' } : { kind: 'rebalance' };
  }
  if (explicit.kind === 'forward' && source.parallelism !== target.parallelism) {
    throw new GraphError(
      `forward() connects '${source.name}' (parallelism ${source.parallelism}) to '${target.name}' ` +
        `(parallelism ${target.parallelism}): forward needs equal parallelism; use rebalance() or set both to the same`,
    );
  }
  return explicit;
}

/** Kahn's algorithm; a node left over sits on a cycle. */
function topologicalOrder(nodes: StreamNode[]): StreamNode[] {
  const indegree = new Map(nodes.map((n) => [n, n.inEdges.length]));
  const ready = nodes.filter((n) => n.inEdges.length === 0);
  const out: StreamNode[] = [];
  while (ready.length > 0) {
    // Lowest id first: the order the job defined its operators, so logs and vertex ids are stable.
    ready.sort((a, b) => b.id - a.id);
    const n = ready.pop()!;
    out.push(n);
    for (const e of n.outEdges) {
      const d = indegree.get(e.target)! - 1;
      indegree.set(e.target, d);
      if (d === 0) ready.push(e.target);
    }
  }
  if (out.length !== nodes.length) {
    const stuck = nodes.filter((n) => !out.includes(n)).map((n) => `'${n.name}'`);
    throw new GraphError(`the job graph has a cycle through ${stuck.join(', ')}: streams must flow one way`);
  }
  return out;
}

function validate(nodes: readonly StreamNode[]): void {
  const uids = new Map<string, StreamNode>();
  for (const n of nodes) {
    if (!Number.isInteger(n.parallelism) || n.parallelism < 1) {
      throw new ConfigError('parallelism', `operator '${n.name}': parallelism must be an integer ≥ 1, got ${n.parallelism}`);
    }
    if (!Number.isInteger(n.maxParallelism) || n.maxParallelism < 1 || n.maxParallelism > UPPER_BOUND_MAX_PARALLELISM) {
      throw new ConfigError(
        'maxParallelism',
        `operator '${n.name}': maxParallelism must be an integer in 1..${UPPER_BOUND_MAX_PARALLELISM}, got ${n.maxParallelism}`,
      );
    }
    if (n.parallelism > n.maxParallelism) {
      throw new ConfigError(
        'parallelism',
        `operator '${n.name}' has parallelism ${n.parallelism} above its maxParallelism ${n.maxParallelism}: ` +
          'lower the parallelism or raise setMaxParallelism(...)',
      );
    }
    const max = n.source?.maxParallelism;
    if (max !== undefined && n.parallelism > max) {
      throw new ConfigError('parallelism', `source '${n.name}' supports parallelism up to ${max}, got ${n.parallelism}`);
    }
    if (n.keyed && n.inEdges.some((e) => e.partitioner.kind !== 'hash')) {
      const two = n.operator !== undefined && isTwoInput(n.operator);
      throw new GraphError(
        two
          ? `operator '${n.name}' needs both inputs keyed: call keyBy(...) on each stream before connect/intervalJoin`
          : `operator '${n.name}' needs a keyed input: call keyBy(...) right before it`,
      );
    }
    const spec = n.operator;
    if (spec?.kind === 'window' && spec.assigner.kind === 'session' && spec.contents.type === 'aggregate' && spec.contents.aggregate.merge === undefined) {
      throw new GraphError(`operator '${n.name}': session windows merge, so the aggregate function needs a merge(a, b) method`);
    }
    const other = uids.get(n.uid);
    if (other !== undefined) {
      throw new GraphError(`uid '${n.uid}' is used by both '${other.name}' and '${n.name}': uids must be unique`);
    }
    uids.set(n.uid, n);
  }
}
