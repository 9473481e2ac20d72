/**
 * A text notation for barrier handling (in the spirit of RxJS marbles). Each input channel of a
 * task is a script of space-separated items, read in order:
 *
 *   a, b, x …   a record
 *   |3          barrier of checkpoint 3
 *   $           end of stream
 *
 * `runBarrierScript` feeds the scripts to a barrier handler through a fake gate that reads, as the
 * local input gate does, round-robin over the channels that have items and are not held. It
 * returns the trace of what the task saw, space-separated:
 *
 *   a           record a was processed
 *   hold:1      channel 1 was held          release:1   channel 1 was released
 *   snapshot:3  the task snapshotted for 3  abort:3     alignment of 3 was given up
 *   end:1       channel 1 ended
 *
 * and `stuck` at the end when items remain that can never be read (a channel held for good).
 */
import type { BarrierHandler, CheckpointableTask } from '../../packages/core/src/runtime/barrier/barrier-handler.ts';
import type { InputGate } from '../../packages/core/src/runtime/channel/channel.ts';
import { CheckpointBarrier } from '../../packages/core/src/runtime/events.ts';

type Item = { kind: 'record'; name: string } | { kind: 'barrier'; id: number } | { kind: 'end' };

function parse(script: string): Item[] {
  return script
    .split(/\s+/)
    .filter((t) => t !== '')
    .map((t): Item => {
      if (t === '$') return { kind: 'end' };
      if (t.startsWith('|')) return { kind: 'barrier', id: Number(t.slice(1)) };
      return { kind: 'record', name: t };
    });
}

/** Runs `scripts` (one per channel) through the handler `make` builds; resolves with the trace. */
export async function runBarrierScript(
  make: (task: CheckpointableTask) => BarrierHandler,
  ...scripts: string[]
): Promise<string> {
  const channels = scripts.map(parse);
  const held = channels.map(() => false);
  const trace: string[] = [];
  const gate: Pick<InputGate, 'numberOfChannels' | 'hold' | 'release' | 'isHeld'> = {
    numberOfChannels: channels.length,
    hold: (ch) => {
      if (held[ch]) throw new Error(`channel ${ch} held twice`);
      held[ch] = true;
      trace.push(`hold:${ch}`);
    },
    release: (ch) => {
      if (!held[ch]) throw new Error(`channel ${ch} released but not held`);
      held[ch] = false;
      trace.push(`release:${ch}`);
    },
    isHeld: (ch) => held[ch],
  };
  const task: CheckpointableTask = {
    gate: gate as InputGate,
    triggerCheckpointOnBarrier: (barrier) => void trace.push(`snapshot:${barrier.checkpointId}`),
    abortCheckpointOnBarrier: (id) => void trace.push(`abort:${id}`),
  };
  const handler = make(task);
  let cursor = 0;
  for (;;) {
    let ch = -1;
    for (let tried = 0; tried < channels.length; tried++) {
      const i = (cursor + tried) % channels.length;
      if (!held[i] && channels[i].length > 0) {
        ch = i;
        break;
      }
    }
    if (ch === -1) break;
    cursor = (ch + 1) % channels.length;
    const item = channels[ch].shift()!;
    if (item.kind === 'record') trace.push(item.name);
    else if (item.kind === 'barrier') {
      const location = { checkpointId: item.id, kind: 'checkpoint' as const, pointer: `mem:chk-${item.id}` };
      await handler.onBarrier(new CheckpointBarrier(item.id, 0, 'checkpoint', location), ch);
    } else {
      trace.push(`end:${ch}`);
      await handler.onEndOfStream(ch);
    }
  }
  if (channels.some((c) => c.length > 0)) trace.push('stuck');
  return trace.join(' ');
}
