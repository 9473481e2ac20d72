import type { Key } from '../key.ts';
import type { KeyGroupRange } from '../key-group-range.ts';
import type {
  ListStateDescriptor,
  MapStateDescriptor,
  ReducingStateDescriptor,
  StateDescriptor,
  ValueStateDescriptor,
} from '../descriptors.ts';
import type { ListState, MapState, ReducingState, ValueState } from '../state.ts';
import type {
  KeyedStateBackend,
  KeyedStateBackendParameters,
  KeyedStateSnapshot,
  KeyGroupSnapshot,
  StateBackend,
  StateEntries,
} from '../state-backend.ts';
import { StateTable } from './state-table.ts';
import { ColumnarStateTable } from './columnar-state-table.ts';
import { RestoredEntries } from './restored-entries.ts';
import { CopyOnAccessSnapshots } from './copy-on-access-snapshots.ts';
import { encodeKeyGroupStates, type KeyGroupStateSource } from '../snapshot/snapshot-codec.ts';
import { HeapListState, HeapMapState, HeapReducingState, HeapValueState, type CurrentKey } from './heap-states.ts';
import { rejectUnknownOptions } from '../../util/options.ts';
import { KeyGroupedTimerQueue, TIMER_STATE_PREFIX } from '../timers/key-grouped-timer-queue.ts';

/** Options of {@link HeapStateBackend}. */
export interface HeapStateBackendOptions {
  /**
   * Keys (per state, per subtask) from which a value or reducing state is kept as columns rather
   * than objects: far cheaper to snapshot and lighter on the garbage collector, a little dearer per
   * record while the state is small enough to sit in the CPU's cache. Checked every 65,536 records
   * and at every snapshot. Default 65,536; 0 turns every such state into columns at the first check,
   * `Infinity` never.
   */
  readonly columnsFrom?: number;
}

/** The default number of keys from which value and reducing state is kept as columns. */
export const DEFAULT_COLUMNS_FROM = 65_536;

const PLAIN_PROTOTYPES: readonly unknown[] = [Object.prototype, Array.prototype, Map.prototype, Set.prototype, Date.prototype, null];

/**
 * An object default is copied for each key (structuredClone), which keeps plain data only: a class
 * instance would lose its methods without a word, so it is refused up front.
 */
function assertCopyableDefault(d: ValueStateDescriptor<unknown>): void {
  const v = d.defaultValue;
  if (typeof v !== 'object' || v === null) return;
  let problem: string | undefined;
  if (!PLAIN_PROTOTYPES.includes(Object.getPrototypeOf(v))) problem = `it is a ${v.constructor?.name ?? 'class'} instance`;
  else {
    try {
      structuredClone(v);
    } catch (e) {
      problem = (e as Error).message;
    }
  }
  if (problem !== undefined) {
    throw new Error(`state '${d.name}': the default value must be plain data, as it is copied for each key (${problem}); start from \`value() ?? new ...\` instead`);
  }
}

/** How often (in records) and at each snapshot, a backend checks whether a state should become columns. */
const LAYOUT_CHECK_EVERY = 65_536;

/** The default state backend: keyed state on the JS heap, one `Map` (or set of columns) per key group. */
export class HeapStateBackend implements StateBackend {
  readonly name = 'heap';
  readonly columnsFrom: number;

  constructor(options: HeapStateBackendOptions = {}) {
    rejectUnknownOptions('HeapStateBackend', options, ['columnsFrom']);
    const columnsFrom = options.columnsFrom ?? DEFAULT_COLUMNS_FROM;
    if (!(columnsFrom >= 0) || (!Number.isInteger(columnsFrom) && columnsFrom !== Infinity)) {
      throw new Error(`HeapStateBackend: columnsFrom must be a whole number of keys ≥ 0, or Infinity; got ${String(options.columnsFrom)}`);
    }
    this.columnsFrom = columnsFrom;
  }

  createKeyedStateBackend(parameters: KeyedStateBackendParameters): KeyedStateBackend {
    return new HeapKeyedStateBackend(parameters.keyGroupRange, parameters.maxParallelism, this.columnsFrom);
  }
}

/** What the backend needs of a state's table, whichever layout it has. */
interface HeapTable {
  size(): number;
  keyGroupSource(keyGroup: number): KeyGroupStateSource;
  restoreKeyGroup(keyGroup: number, entries: StateEntries): void;
}

interface Registered {
  readonly kind: StateDescriptor['kind'];
  readonly table: HeapTable;
  readonly handle: unknown;
}

export class HeapKeyedStateBackend implements KeyedStateBackend {
  readonly #current: CurrentKey = { key: 0, index: 0 };
  readonly #states = new Map<string, Registered>();
  readonly #snapshots: CopyOnAccessSnapshots;

  constructor(
    readonly keyGroupRange: KeyGroupRange,
    readonly maxParallelism: number,
    /** See {@link HeapStateBackendOptions.columnsFrom}. */
    readonly columnsFrom = DEFAULT_COLUMNS_FROM,
  ) {
    this.#snapshots = new CopyOnAccessSnapshots(keyGroupRange, (index) => this.#encodeGroup(index));
  }

  setCurrentKey(key: Key, keyGroup: number): void {
    const index = keyGroup - this.keyGroupRange.start;
    this.#current.key = key;
    this.#current.index = index;
    // Every state access of a record follows this call: the one place a running snapshot can take
    // its copy of the group before the record changes it.
    if (this.#snapshots.active !== 0) this.#snapshots.beforeAccess(index);
    if (--this.#untilLayoutCheck === 0) this.#checkLayout();
  }

  /** Records until the next look at whether a state has grown large enough for columns. */
  #untilLayoutCheck = LAYOUT_CHECK_EVERY;

  /**
   * A large value or reducing state turns into columns (see ColumnarStateTable), whether or not
   * checkpointing is on: besides cheap snapshots, a million values in columns are a million fewer
   * old objects for the garbage collector to mark.
   */
  #checkLayout(): void {
    this.#untilLayoutCheck = LAYOUT_CHECK_EVERY;
    for (const s of this.#states.values()) if (s.table instanceof ColumnarStateTable) s.table.toColumnsIfLarge(this.columnsFrom);
  }

  getCurrentKey(): Key {
    return this.#current.key;
  }

  getCurrentKeyGroupIndex(): number {
    return this.#current.index;
  }

  readonly #timers = new Map<string, KeyGroupedTimerQueue>();

  getTimerQueue(name: string): KeyGroupedTimerQueue {
    if (!name.startsWith(TIMER_STATE_PREFIX)) throw new Error(`a timer queue's name starts with '${TIMER_STATE_PREFIX}', got '${name}'`);
    let q = this.#timers.get(name);
    if (q === undefined) this.#timers.set(name, (q = new KeyGroupedTimerQueue(name, this.keyGroupRange)));
    return q;
  }

  getValueState<T>(d: ValueStateDescriptor<T>): ValueState<T> {
    const table = () => {
      assertCopyableDefault(d);
      return new ColumnarStateTable<T>(d.name, this.keyGroupRange);
    };
    return this.#register(d, table, (t) => new HeapValueState<T>(t, this.#current, d.defaultValue));
  }

  getListState<T>(d: ListStateDescriptor<T>): ListState<T> {
    const table = () => new StateTable<T[]>(d.name, this.keyGroupRange);
    return this.#register(d, table, (t) => new HeapListState<T>(t, this.#current));
  }

  getMapState<UK, UV>(d: MapStateDescriptor<UK, UV>): MapState<UK, UV> {
    // Stored as entry arrays: what msgpack keeps best, and the format restore expects.
    const table = () =>
      new StateTable<Map<UK, UV>>(
        d.name,
        this.keyGroupRange,
        (m) => [...m],
        (v) => new Map(v as [UK, UV][]),
      );
    return this.#register(d, table, (t) => new HeapMapState<UK, UV>(t, this.#current));
  }

  getReducingState<T>(d: ReducingStateDescriptor<T>): ReducingState<T> {
    return this.#register(d, () => new ColumnarStateTable<T>(d.name, this.keyGroupRange), (t) =>
      new HeapReducingState<T>(t, this.#current, d.reduce),
    );
  }

  numKeys(): number {
    let n = 0;
    for (const s of this.#states.values()) n += s.table.size();
    return n;
  }

  snapshot(): KeyedStateSnapshot {
    // Before any group is encoded, so that this snapshot already copies arrays if it can.
    this.#checkLayout();
    const snapshot = this.#snapshots.start();
    // The current key's group may still be touched without another setCurrentKey (by code that
    // runs between records): take its copy now.
    if (this.#snapshots.active !== 0) this.#snapshots.encode(this.#current.index);
    return snapshot;
  }

  #encodeGroup(index: number): Uint8Array {
    const keyGroup = this.keyGroupRange.start + index;
    const sources: KeyGroupStateSource[] = [];
    for (const s of this.#states.values()) sources.push(s.table.keyGroupSource(keyGroup));
    // Restored entries whose state no function has asked for yet are kept, not dropped.
    for (const t of this.#restored.values()) sources.push(t.keyGroupSource(keyGroup));
    for (const q of this.#timers.values()) sources.push(q.keyGroupSource(keyGroup));
    return encodeKeyGroupStates(sources);
  }

  restoreKeyGroup(keyGroup: number, snapshot: KeyGroupSnapshot): void {
    for (const entries of snapshot) {
      if (entries.name.startsWith(TIMER_STATE_PREFIX)) {
        this.getTimerQueue(entries.name).restoreKeyGroup(keyGroup, entries);
        continue;
      }
      const s = this.#states.get(entries.name);
      if (s === undefined) {
        // Restored before the function asked for its state: keep the entries as decoded until the
        // first getXState(name) call loads them into its table.
        this.#pending(entries.name).add(keyGroup, entries);
      } else {
        s.table.restoreKeyGroup(keyGroup, entries);
      }
    }
  }

  dispose(): void {
    this.#snapshots.stopAll();
    this.#states.clear();
    this.#restored.clear();
    for (const q of this.#timers.values()) q.clear();
    this.#timers.clear();
  }

  readonly #restored = new Map<string, RestoredEntries>();

  #pending(name: string): RestoredEntries {
    let t = this.#restored.get(name);
    if (t === undefined) {
      t = new RestoredEntries(name, this.keyGroupRange);
      this.#restored.set(name, t);
    }
    return t;
  }

  #register<H, T extends HeapTable>(d: { readonly name: string; readonly kind: StateDescriptor['kind'] }, makeTable: () => T, makeHandle: (t: T) => H): H {
    const existing = this.#states.get(d.name);
    if (existing !== undefined) {
      if (existing.kind !== d.kind) {
        throw new Error(`state '${d.name}' is already registered as ${existing.kind} state, not ${d.kind} state`);
      }
      return existing.handle as H;
    }
    const table = makeTable();
    const restored = this.#restored.get(d.name);
    if (restored !== undefined) {
      // A state large enough for columns goes straight into them, rather than into maps of objects
      // that the first layout check would turn into columns anyway.
      if (table instanceof ColumnarStateTable && restored.size() >= this.columnsFrom) table.restoreAsColumns();
      // Values restored raw: load them through the new table (maps come back as entry arrays).
      restored.groups.forEach((parts, i) => {
        for (const entries of parts) table.restoreKeyGroup(this.keyGroupRange.start + i, entries);
      });
      this.#restored.delete(d.name);
    }
    const handle = makeHandle(table);
    this.#states.set(d.name, { kind: d.kind, table, handle });
    return handle;
  }
}
