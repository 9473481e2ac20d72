import type { SourceOutput, SourceReader } from '../../connector/source.ts';
import { operatorFailure, type OperatorIdentity } from '../errors.ts';
import type { ChannelWriter } from '../channel/channel.ts';
import type { OperatorChain } from '../operator-chain.ts';
import { StreamTask, type TaskInfo } from './stream-task.ts';

/**
 * A task whose head is a source reader: polls it, and between two polls runs mailbox actions
 * (a checkpoint trigger snapshots the reader's position there, between two records).
 */
export class SourceTask<T> extends StreamTask {
  constructor(
    info: TaskInfo,
    chain: OperatorChain,
    writers: readonly ChannelWriter[],
    readonly reader: SourceReader<T>,
    /** Identity of the source operator, for errors the reader throws. */
    readonly source: OperatorIdentity,
  ) {
    super(info, chain, writers);
  }

  protected override async beforeInput(): Promise<void> {
    try {
      await this.reader.start?.();
    } catch (e) {
      throw operatorFailure(this.source, e, 'start');
    }
  }

  protected async processInput(): Promise<void> {
    const reader = this.reader;
    const output = this.chain.head as SourceOutput<T>;
    for (;;) {
      let status;
      try {
        status = reader.pollNext(output);
      } catch (e) {
        throw operatorFailure(this.source, e, 'pollNext');
      }
      if (status === 'end') return;
      if (status === 'nothing-available') {
        this.chain.head.flush();
        await this.runMail();
        await Promise.race([reader.isAvailable(), this.mailbox.whenMail()]);
        await this.runMail();
        continue;
      }
      if (this.mustPause()) await this.pause();
    }
  }

  protected override async closeAll(): Promise<void> {
    try {
      await this.reader.close?.();
    } finally {
      await super.closeAll();
    }
  }
}
