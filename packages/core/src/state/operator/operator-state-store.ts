import type { ListStateDescriptor } from '../descriptors.ts';
import type { ListState } from '../state.ts';
import type { OperatorLists } from '../snapshot/snapshot-codec.ts';

/**
 * Operator (non-keyed) state of one subtask: named lists of independent elements (Flink's
 * operator ListState). On restore at the same parallelism each subtask gets its own lists back;
 * at another parallelism the elements are dealt round-robin over the new subtasks, so an element
 * must make sense on its own (an offset, a buffered record, a pending item).
 */
export class OperatorStateStore {
  readonly #lists = new Map<string, unknown[]>();

  constructor(restored: OperatorLists | undefined) {
    // Lists named `__…` belong to the runtime (the operator's dead-letter stage), not to the function.
    for (const [name, elements] of Object.entries(restored ?? {})) if (!name.startsWith('__')) this.#lists.set(name, [...elements]);
  }

  getListState<T>(descriptor: ListStateDescriptor<T>): ListState<T> {
    let list = this.#lists.get(descriptor.name);
    if (list === undefined) this.#lists.set(descriptor.name, (list = []));
    return new OperatorListState<T>(this.#lists, descriptor.name);
  }

  /**
   * Every list as it is now, or undefined when the function registered none. Not a copy: the
   * checkpoint encodes it at once, at the barrier, before any later record can change an element.
   */
  snapshot(): OperatorLists | undefined {
    if (this.#lists.size === 0) return undefined;
    return Object.fromEntries(this.#lists);
  }
}

class OperatorListState<T> implements ListState<T> {
  constructor(
    readonly lists: Map<string, unknown[]>,
    readonly name: string,
  ) {}

  get(): readonly T[] {
    return this.lists.get(this.name) as T[];
  }

  add(value: T): void {
    (this.lists.get(this.name) as T[]).push(value);
  }

  addAll(values: readonly T[]): void {
    (this.lists.get(this.name) as T[]).push(...values);
  }

  update(values: readonly T[]): void {
    this.lists.set(this.name, values.slice());
  }

  clear(): void {
    this.lists.set(this.name, []);
  }
}
