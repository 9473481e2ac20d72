/**
 * The Redis key schema of Weir: every key Weir reads or writes is built here, one function per
 * key family, under a prefix (default `weir`). Names that come from users (operator uids, job
 * names) go through {@link keySafe} so that they cannot add `:` separators or glob
 * characters to a key or to a `SCAN MATCH` pattern.
 *
 * ```
 * <prefix>:stage:<job>:<sink>:<subtask>:<txn>  list  an exactly-once sink's staged transaction
 * <prefix>:commits:<job>:<sink>:<subtask>      zset  committed txn ids of one sink subtask (score: checkpoint id)
 * <prefix>:fence:<job>:<sink>                  string the largest fencing epoch an exactly-once sink's writers opened with
 * <prefix>:ck:<job>:index                 zset   every checkpoint location of a job, complete or not (score: id)
 * <prefix>:ck:<job>:record:<name>         string a job record (what the job restored from, its checkpoint history)
 * <prefix>:ck:<job>:chk:<n>                       root of checkpoint n (its pointer is `redis:<root>`)
 * <prefix>:ck:<job>:lease                 hash   the job lease: pid, host, since, token, epoch (expires unless renewed)
 * <prefix>:ck:<job>:epoch                 string the largest fencing epoch handed out for the job (never expires)
 * <prefix>:sp:<n>-<suffix>                        root of a savepoint
 * <root>:_created                         string when the location was reserved (it exists from then on)
 * <root>:state:<name>                     string one state handle's bytes
 * <root>:_names                           set    the state names written (what discard deletes)
 * <root>:_metadata                        string the metadata: its presence makes the checkpoint complete
 * ```
 */

export const DEFAULT_PREFIX = 'weir';

/** The prefix option every key family takes. */
export interface KeyOptions {
  /** First segment of every key; default `weir`. */
  readonly prefix?: string;
}

/**
 * Escapes a user-supplied name for use as one key segment: `%`, `:`, glob characters
 * (`* ? [ ] \`), whitespace and control characters become `%XX`. Injective, so two names
 * never share keys.
 */
export function keySafe(name: string): string {
  return name.replace(/[%:*?[\]\\\s\x00-\x1f\x7f{}]/g, (c) => `%${c.charCodeAt(0).toString(16).padStart(2, '0').toUpperCase()}`);
}

function p(options?: KeyOptions): string {
  return options?.prefix ?? DEFAULT_PREFIX;
}

/**
 * Names an exactly-once sink: its job and its operator uid. Both are part of its keys, so two jobs
 * whose sinks share a uid never touch each other's stages.
 */
export interface SinkName {
  readonly job: string;
  readonly uid: string;
}

function sinkSegment(sink: SinkName): string {
  return `${keySafe(sink.job)}:${keySafe(sink.uid)}`;
}

/** Staged records of one exactly-once sink transaction (a list). `txn` is a Weir-made id. */
export function stageKey(sink: SinkName, subtask: number, txn: string, options?: KeyOptions): string {
  return `${p(options)}:stage:${sinkSegment(sink)}:${subtask}:${txn}`;
}

/** `SCAN MATCH` pattern for every staged transaction of a sink, all subtasks. */
export function stagePattern(sink: SinkName, options?: KeyOptions): string {
  return `${p(options)}:stage:${sinkSegment(sink)}:*`;
}

/** Parses a key made by {@link stageKey} back into its subtask and txn id. */
export function parseStageKey(key: string, sink: SinkName, options?: KeyOptions): { subtask: number; txn: string } | undefined {
  const head = `${p(options)}:stage:${sinkSegment(sink)}:`;
  if (!key.startsWith(head)) return undefined;
  const rest = key.slice(head.length);
  const colon = rest.indexOf(':');
  if (colon <= 0) return undefined;
  const subtask = Number(rest.slice(0, colon));
  if (!Number.isInteger(subtask) || subtask < 0) return undefined;
  return { subtask, txn: rest.slice(colon + 1) };
}

/** Commit markers of one sink subtask: a sorted set of committed txn ids scored by checkpoint id. */
export function commitsKey(sink: SinkName, subtask: number, options?: KeyOptions): string {
  return `${p(options)}:commits:${sinkSegment(sink)}:${subtask}`;
}

/**
 * The fencing epoch of an exactly-once sink (a string holding an integer): the largest epoch any
 * of its writers opened with. Commits of a writer with a smaller epoch are refused.
 */
export function fenceKey(sink: SinkName, options?: KeyOptions): string {
  return `${p(options)}:fence:${sinkSegment(sink)}`;
}

/** Root of everything checkpoint storage keeps for one job. */
export function checkpointRoot(job: string, options?: KeyOptions): string {
  return `${p(options)}:ck:${keySafe(job)}`;
}

/** Sorted set of a job's complete checkpoints; member = checkpoint id, score = checkpoint id. */
export function checkpointIndexKey(job: string, options?: KeyOptions): string {
  return `${checkpointRoot(job, options)}:index`;
}

/** The job lease (a hash with a TTL): who runs the job, its token and its epoch. */
export function leaseKey(job: string, options?: KeyOptions): string {
  return `${checkpointRoot(job, options)}:lease`;
}

/** The largest fencing epoch handed out for a job; it never expires, so epochs only grow. */
export function epochKey(job: string, options?: KeyOptions): string {
  return `${checkpointRoot(job, options)}:epoch`;
}

/** A job-level record kept beside the checkpoints (what the job restored from, its checkpoint history). */
export function jobRecordKey(job: string, name: string, options?: KeyOptions): string {
  return `${checkpointRoot(job, options)}:record:${keySafe(name)}`;
}

/** Root of checkpoint `n` of a job: handles are `<root>:<name>`. */
export function checkpointKey(job: string, checkpointId: number, options?: KeyOptions): string {
  return `${checkpointRoot(job, options)}:chk:${checkpointId}`;
}

/** Root of a savepoint: handles are `<root>:<name>`. `id` is already key-safe (Weir-made). */
export function savepointKey(id: string, options?: KeyOptions): string {
  return `${p(options)}:sp:${id}`;
}

/** The keys below one checkpoint or savepoint root (see the schema above). */
export interface LocationKeys {
  readonly created: string;
  readonly names: string;
  readonly metadata: string;
  state(name: string): string;
}

/** Keys below a checkpoint or savepoint root made by {@link checkpointKey} or {@link savepointKey}. */
export function locationKeys(root: string): LocationKeys {
  return {
    created: `${root}:_created`,
    names: `${root}:_names`,
    metadata: `${root}:_metadata`,
    state: (name) => `${root}:state:${name}`,
  };
}

/*
 * Sources keep their keys beside the user's list or stream, named after it (not under the prefix),
 * so that `KEYS <queue>*` shows a queue with everything in flight:
 *
 * ```
 * <list>:processing:<n>                    list   items a list source subtask claimed, in claim order
 * <list>:processing:<n>:meta               hash   `trimmed`: items removed from that list's head so far
 * <source>:dead                            list   dead letters of a source (its stream or list name)
 * <prefix>:<job>:<uid>                     group  consumer group a stream source moves on each complete checkpoint
 * ```
 */

/**
 * Processing list `n` of a list source reading `list`: items move there from the queue in one
 * script and leave it only once a checkpoint that covers them is complete. With `consumer` set
 * (several jobs on one queue): `<list>:processing:<consumer>:<n>`.
 */
export function processingListKey(list: string, n: number, consumer?: string): string {
  return consumer === undefined ? `${list}:processing:${n}` : `${list}:processing:${keySafe(consumer)}:${n}`;
}

/** Bookkeeping of a processing list (a hash): field `trimmed` = items removed from its head so far. */
export function processingMetaKey(processingList: string): string {
  return `${processingList}:meta`;
}

/** The dead-letter list of a source: `<stream or list>:dead`. */
export function deadLetterKey(source: string): string {
  return `${source}:dead`;
}

/** The consumer group a stream source moves forward on each complete checkpoint, unless told another. */
export function consumerGroupName(job: string, uid: string, options?: KeyOptions): string {
  return `${p(options)}:${keySafe(job)}:${keySafe(uid)}`;
}

/*
 * More source and dead-letter keys, beside the list or the dead-letter list they serve:
 *
 * ```
 * <list>:processing-lists[:<consumer>]     set    every processing list a claim ever moved items into (the registry)
 * <dead-letter list>:positions             hash   per stream: the last entry id whose letter is in that list
 * <dead-letter list>:batches               zset   batch ids `writeBatch` has written (score: order written)
 * ```
 */

/**
 * The registry of a list source's processing lists: `claim-3.lua` adds a list when it first moves
 * items into it, so that a restore finds lists that no checkpoint names (a wider run died before
 * its first checkpoint) and hands them to a subtask.
 */
export function processingRegistryKey(list: string, consumer?: string): string {
  return consumer === undefined ? `${list}:processing-lists` : `${list}:processing-lists:${keySafe(consumer)}`;
}

/** Per stream, the last entry id dead-lettered into `deadLetterList` (a hash): letters are written once per entry. */
export function deadLetterPositionsKey(deadLetterList: string): string {
  return `${deadLetterList}:positions`;
}

/** Batch ids written into `deadLetterList` by `writeBatch` (a sorted set, bounded): a batch is written once. */
export function deadLetterBatchesKey(deadLetterList: string): string {
  return `${deadLetterList}:batches`;
}

/*
 * Kept beside a dead-letter list by `weir dlq replay`:
 *
 * ```
 * <dead-letter list>:replayed              hash   per target (queue or stream): letters replayed to it so far
 * ```
 */

/** Letters replayed out of `deadLetterList`, per target (a hash: field = target key, value = count). */
export function deadLetterReplayedKey(deadLetterList: string): string {
  return `${deadLetterList}:replayed`;
}
