import { KeyGroupRange, decodeKeyGroup, decodeOperatorLists, type CheckpointLocation, type OperatorState } from '@weir/core';
import type { CheckpointReader } from './checkpoint-reader.ts';
import { stringifyState } from './json-value.ts';

/**
 * Writes the state of one operator as JSON lines: keyed state as `{ keyGroup, state, key, value }`,
 * one line per key of every state, key groups ascending, written a key group at a time; operator list state as
 * `{ subtask, list, value }`, one line per element. Reads and verifies each handle first.
 */
export async function dumpState(
  reader: CheckpointReader,
  location: CheckpointLocation,
  op: OperatorState,
  write: (lines: string) => Promise<void>,
): Promise<void> {
  for (const s of op.subtasks) {
    if (s?.keyed === undefined) continue;
    const { range, offsets, handle } = s.keyed;
    const bytes = await reader.readState(location, handle);
    const groups = new KeyGroupRange(range.start, range.end);
    for (let kg = range.start; kg <= range.end; kg++) {
      let lines = '';
      for (const entries of decodeKeyGroup(bytes, offsets, groups, kg)) {
        for (let i = 0; i < entries.keys.length; i++) {
          lines += `${stringifyState({ keyGroup: kg, state: entries.name, key: entries.keys[i], value: entries.values[i] })}\n`;
        }
      }
      if (lines !== '') await write(lines);
    }
  }
  for (const [subtask, s] of op.subtasks.entries()) {
    if (s?.operator === undefined) continue;
    const lists = decodeOperatorLists(await reader.readState(location, s.operator.handle));
    for (const [list, values] of Object.entries(lists)) {
      if (values.length > 0) await write(values.map((value) => `${stringifyState({ subtask, list, value })}\n`).join(''));
    }
  }
}
