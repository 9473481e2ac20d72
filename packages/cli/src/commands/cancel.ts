import { resolve } from 'node:path';
import { parseArgs } from '../args/parse-args.ts';
import { CONNECT_OPTIONS, CONNECT_USAGE, connect } from '../control/connect.ts';
import { isProcessRunning } from '../control/control-file.ts';
import { CliError } from '../errors.ts';
import type { Command } from './command.ts';

const OPTIONS = { ...CONNECT_OPTIONS, savepoint: { type: 'string' } } as const;

/** How long `weir cancel` waits for the job's process to exit. */
const EXIT_WAIT_MS = 60_000;

export const cancelCommand: Command = {
  name: 'cancel',
  summary: 'cancel a running job, optionally after a savepoint',
  usage: `usage: weir cancel JOB [--savepoint DIR]

Cancels the running job JOB and waits for its 'weir run' to exit. Its checkpoints are kept: running
the job again resumes from the latest.
  --savepoint DIR        first write a savepoint below DIR and print its path
${CONNECT_USAGE}`,
  async run(args) {
    const { positionals, options } = parseArgs(args, OPTIONS, ['JOB']);
    const client = await connect(positionals[0], options);
    const body = options.savepoint === undefined ? {} : { savepoint: resolve(options.savepoint) };
    const answer = await client.post<{ savepoint?: string }>('/cancel', body);
    if (answer.savepoint !== undefined) process.stdout.write(`${answer.savepoint}\n`);
    const deadline = Date.now() + EXIT_WAIT_MS;
    while (isProcessRunning(client.info.pid)) {
      if (Date.now() > deadline) throw new CliError(`job '${positionals[0]}' was cancelled, but pid ${client.info.pid} has not exited after ${EXIT_WAIT_MS / 1000} s`, 1);
      await new Promise((r) => setTimeout(r, 50));
    }
    process.stderr.write(`weir: job '${positionals[0]}' cancelled\n`);
    return 0;
  },
};
