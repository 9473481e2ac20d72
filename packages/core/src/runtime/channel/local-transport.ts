import type { ChannelSpec, InputGate, Transport, ChannelWriter } from './channel.ts';
import { LocalChannel } from './local-channel.ts';
import { LocalInputGate } from './local-input-gate.ts';

/** A channel's name: `<vertex>#<subtask>-><vertex>#<subtask>/<input>`, unique within a job. */
export function channelId(spec: ChannelSpec): string {
  return `${spec.from}#${spec.fromSubtask}->${spec.to}#${spec.toSubtask}/${spec.input}`;
}

/** Channels between tasks on one event loop: the producer's writer and the consumer's gate share a LocalChannel. */
export class LocalTransport implements Transport {
  readonly #channels = new Map<string, LocalChannel>();

  writer(spec: ChannelSpec): ChannelWriter {
    return this.#channel(spec);
  }

  gate(specs: readonly ChannelSpec[]): InputGate {
    return new LocalInputGate(specs.map((s) => this.#channel(s)));
  }

  /** Wakes every producer waiting for room (cancellation). */
  close(): void {
    for (const ch of this.#channels.values()) ch.close();
  }

  /** Items queued in all channels: what backpressure bounds. */
  queuedItems(): number {
    let n = 0;
    for (const ch of this.#channels.values()) n += ch.size;
    return n;
  }

  #channel(spec: ChannelSpec): LocalChannel {
    const id = channelId(spec);
    let ch = this.#channels.get(id);
    if (ch === undefined) {
      ch = new LocalChannel(spec.capacity);
      this.#channels.set(id, ch);
    }
    return ch;
  }
}
