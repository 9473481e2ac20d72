import { makeDirectory } from '../util/make-directory.ts';
import { randomBytes } from 'node:crypto';
import { open, readdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Sink, SinkWriterContext } from './sink.ts';
import { TwoPhaseCommitSinkWriter } from './two-phase-commit-sink.ts';
import { rejectUnknownOptions } from '../util/options.ts';

/** Options of {@link fileSink}. */
export interface FileSinkOptions<T> {
  /** Where committed part files appear. Created if missing. */
  readonly directory: string;
  /** One line per record; default JSON. */
  readonly format?: (value: T) => string;
}

/**
 * An exactly-once sink writing JSON lines into part files (Flink's FileSink, reduced). Records
 * of each checkpoint interval are staged in `.staging/<txn>.pending` (written and fsynced at the
 * barrier) and renamed to `part-<txn>.jsonl` when the checkpoint completes: readers of the
 * directory see each record once, after the checkpoint that covers it, never twice.
 *
 * Transaction names are `<subtask>-<checkpoint it began after>-<nonce>-<seq>`, which is how a
 * restore tells lingering staged files (begun after the restored checkpoint) from restored ones.
 * Without checkpointing, everything is committed at the end of input.
 */
export function fileSink<T>(options: FileSinkOptions<T>): Sink<T> {
  rejectUnknownOptions('fileSink', options, ['directory', 'format']);
  return { createWriter: (ctx) => new FileSinkWriter<T>(options, ctx) };
}

interface FileTxn {
  readonly name: string;
}

const STAGING = '.staging';

class FileSinkWriter<T> extends TwoPhaseCommitSinkWriter<T, FileTxn> {
  readonly #buffers = new Map<string, string[]>();
  readonly #nonce = randomBytes(4).toString('hex');
  readonly #format: (value: T) => string;
  #seq = 0;

  constructor(
    readonly options: FileSinkOptions<T>,
    ctx: SinkWriterContext,
  ) {
    super(ctx);
    this.#format = options.format ?? ((v) => JSON.stringify(v));
  }

  override async open(): Promise<void> {
    await makeDirectory(join(this.options.directory, STAGING));
    await super.open();
  }

  protected beginTransaction(): FileTxn {
    const name = `${this.context.subtaskIndex}-${this.lastCheckpointId}-${this.#nonce}-${this.#seq++}`;
    this.#buffers.set(name, []);
    return { name };
  }

  protected invoke(txn: FileTxn, value: T): void {
    this.#buffers.get(txn.name)!.push(this.#format(value));
  }

  protected async preCommit(txn: FileTxn): Promise<void> {
    const lines = this.#buffers.get(txn.name);
    this.#buffers.delete(txn.name);
    if (lines === undefined || lines.length === 0) return;
    const file = await open(this.#pending(txn), 'w');
    try {
      await file.writeFile(lines.join('\n') + '\n');
      await file.sync();
    } finally {
      await file.close();
    }
  }

  protected async commit(txn: FileTxn): Promise<void> {
    // A rename cannot check an epoch: check that this run still owns the job right before it.
    await this.context.checkLease();
    try {
      await rename(this.#pending(txn), join(this.options.directory, `part-${txn.name}.jsonl`));
    } catch (e) {
      // Already committed (a repeated commit after a restore) or empty: nothing to do.
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
  }

  protected async abort(txn: FileTxn): Promise<void> {
    this.#buffers.delete(txn.name);
    await rm(this.#pending(txn), { force: true });
  }

  protected async abortLingering(restoredCheckpointId: number | undefined): Promise<void> {
    const me = this.context.subtaskIndex;
    for (const file of await readdir(join(this.options.directory, STAGING))) {
      const m = /^(\d+)-(\d+)-[0-9a-f]+-\d+\.pending$/.exec(file);
      if (m === null) continue;
      const subtask = Number(m[1]);
      const beganAfter = Number(m[2]);
      const mine = subtask === me || (subtask >= this.context.parallelism && subtask % this.context.parallelism === me);
      // Restored transactions that another subtask may be committing began before the restored checkpoint.
      if (mine && (restoredCheckpointId === undefined || beganAfter >= restoredCheckpointId)) {
        this.context.logger.info({ file }, 'removing output staged by a transaction that no checkpoint covers');
        await rm(join(this.options.directory, STAGING, file), { force: true });
      }
    }
  }

  #pending(txn: FileTxn): string {
    return join(this.options.directory, STAGING, `${txn.name}.pending`);
  }
}
