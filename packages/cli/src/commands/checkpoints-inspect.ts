import { CorruptStateError } from '@weir/core';
import { parseArgs } from '../args/parse-args.ts';
import { CheckpointReader } from '../checkpoints/checkpoint-reader.ts';
import { describeCheckpoint, formatDescription } from '../checkpoints/describe-checkpoint.ts';
import { dumpState } from '../checkpoints/dump-state.ts';
import { CliError } from '../errors.ts';
import type { Command } from './command.ts';

/** Writes to stdout, waiting while its buffer is full (a dump can be far larger than memory likes). */
function writeStdout(text: string): Promise<void> {
  return new Promise((resolve) => {
    if (process.stdout.write(text)) resolve();
    else process.stdout.once('drain', resolve);
  });
}

const OPTIONS = { state: { type: 'string' }, json: { type: 'flag' } } as const;

export const checkpointsInspectCommand: Command = {
  name: 'checkpoints inspect',
  summary: 'describe one checkpoint or savepoint; dump an operator\'s state',
  usage: `usage: weir checkpoints inspect CHK_DIR [--state UID] [--json]

Describes the checkpoint or savepoint CHK_DIR (e.g. checkpoints/my-job/chk-12, or
checkpoints/my-job/latest for the newest complete one): its operators by uid, their subtasks, key
groups and sizes.
  --state UID   dump the state of operator UID as JSON lines: keyed state as
                { keyGroup, state, key, value }, operator list state as { subtask, list, value }
  --json        the description as JSON`,
  async run(args) {
    const { positionals, options } = parseArgs(args, OPTIONS, ['CHK_DIR']);
    const reader = new CheckpointReader();
    const location = await reader.locate(positionals[0]);
    try {
      const metadata = await reader.readMetadata(location);
      if (options.state !== undefined) {
        const op = metadata.operators.find((o) => o.uid === options.state);
        if (op === undefined) {
          const uids = metadata.operators.map((o) => `'${o.uid}'`).join(', ');
          throw new CliError(`no operator with uid '${options.state}' in ${positionals[0]}; its operators: ${uids}`, 2);
        }
        await dumpState(reader, location, op, writeStdout);
        return 0;
      }
      const description = describeCheckpoint(location, metadata);
      process.stdout.write(options.json === true ? `${JSON.stringify(description, null, 2)}\n` : `${formatDescription(description)}\n`);
      return 0;
    } catch (e) {
      if (e instanceof CorruptStateError) throw new CliError(`${positionals[0]} is damaged: ${e.message}`, 1);
      throw e;
    }
  },
};
