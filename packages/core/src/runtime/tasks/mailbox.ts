/**
 * Actions for a task to run on its own loop, between two steps (Flink's mailbox): checkpoint
 * triggers, completion notices. The loop checks `hasMail` once per step, a field read, and runs
 * the actions in order; a task that is waiting for input or availability is woken by `put`.
 */
export class Mailbox {
  #actions: (() => void | Promise<void>)[] = [];
  #waiter: (() => void) | null = null;

  get hasMail(): boolean {
    return this.#actions.length > 0;
  }

  put(action: () => void | Promise<void>): void {
    this.#actions.push(action);
    const w = this.#waiter;
    if (w !== null) {
      this.#waiter = null;
      w();
    }
  }

  /** Takes every queued action, in order. */
  drain(): (() => void | Promise<void>)[] {
    const actions = this.#actions;
    this.#actions = [];
    return actions;
  }

  /** Resolves when an action is put (immediately if one is queued). */
  whenMail(): Promise<void> {
    if (this.#actions.length > 0) return Promise.resolve();
    return new Promise<void>((resolve) => {
      this.#waiter = resolve;
    });
  }

  /** Wakes a waiting task without mail (cancellation). */
  wake(): void {
    const w = this.#waiter;
    this.#waiter = null;
    w?.();
  }
}
