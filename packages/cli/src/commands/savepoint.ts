import { resolve } from 'node:path';
import { parseArgs } from '../args/parse-args.ts';
import { CONNECT_OPTIONS, CONNECT_USAGE, connect } from '../control/connect.ts';
import type { Command } from './command.ts';

const DEFAULT_SAVEPOINT_DIR = './savepoints';

export const savepointCommand: Command = {
  name: 'savepoint',
  summary: 'write a savepoint of a running job; prints its path',
  usage: `usage: weir savepoint JOB [TARGET_DIR]

Writes a savepoint of the running job JOB below TARGET_DIR (default ${DEFAULT_SAVEPOINT_DIR}) and prints
its path, for 'weir run FILE --from-savepoint PATH'.
${CONNECT_USAGE}`,
  async run(args) {
    const { positionals, options } = parseArgs(args, CONNECT_OPTIONS, ['JOB', 'TARGET_DIR?']);
    const client = await connect(positionals[0], options);
    const dir = resolve(positionals[1] ?? DEFAULT_SAVEPOINT_DIR);
    const { path } = await client.post<{ path: string }>('/savepoints', { dir });
    process.stdout.write(`${path}\n`);
    return 0;
  },
};
