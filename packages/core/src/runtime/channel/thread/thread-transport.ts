import type { MessagePort } from 'node:worker_threads';
import type { ChannelSpec, ChannelWriter, InputGate, Transport } from '../channel.ts';
import { LocalChannel } from '../local-channel.ts';
import { LocalInputGate, type GateChannel } from '../local-input-gate.ts';
import { channelId } from '../local-transport.ts';
import { PortChannelReader, PortChannelWriter } from './port-channel.ts';

/**
 * The channels of the subtasks one thread runs: a channel whose two ends are both in this thread
 * stays the zero-copy ring it is on one event loop ({@link LocalChannel}); a channel to or from
 * another thread is a MessagePort (created by the main thread, one end sent to each thread) with
 * encoded items and credits ({@link PortChannelWriter}, {@link PortChannelReader}). Tasks and
 * gates cannot tell the two apart.
 */
export class ThreadTransport implements Transport {
  readonly #local = new Map<string, LocalChannel>();
  readonly #writers: PortChannelWriter[] = [];
  readonly #readers: PortChannelReader[] = [];

  constructor(
    /** Ports of the channels that cross threads, by {@link channelId}: the end this thread uses. */
    readonly ports: ReadonlyMap<string, MessagePort>,
  ) {}

  writer(spec: ChannelSpec): ChannelWriter {
    const port = this.ports.get(channelId(spec));
    if (port === undefined) return this.#channel(spec);
    const writer = new PortChannelWriter(port, spec.capacity);
    this.#writers.push(writer);
    return writer;
  }

  gate(specs: readonly ChannelSpec[]): InputGate {
    const channels: GateChannel[] = specs.map((spec) => {
      const port = this.ports.get(channelId(spec));
      if (port === undefined) return this.#channel(spec);
      const reader = new PortChannelReader(port, spec.capacity);
      this.#readers.push(reader);
      return reader;
    });
    return new LocalInputGate(channels);
  }

  /** Wakes every producer waiting for room and closes the ports (the attempt is ending). */
  close(): void {
    for (const ch of this.#local.values()) ch.close();
    for (const w of this.#writers) w.close();
    for (const r of this.#readers) r.close();
  }

  #channel(spec: ChannelSpec): LocalChannel {
    const id = channelId(spec);
    let ch = this.#local.get(id);
    if (ch === undefined) {
      ch = new LocalChannel(spec.capacity);
      this.#local.set(id, ch);
    }
    return ch;
  }
}
