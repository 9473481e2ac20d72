import { cancelCommand } from './commands/cancel.ts';
import { checkpointsHistoryCommand } from './commands/checkpoints-history.ts';
import { checkpointsInspectCommand } from './commands/checkpoints-inspect.ts';
import { checkpointsListCommand } from './commands/checkpoints-list.ts';
import type { Command } from './commands/command.ts';
import { dlqListCommand } from './commands/dlq-list.ts';
import { dlqPurgeCommand } from './commands/dlq-purge.ts';
import { dlqReplayCommand } from './commands/dlq-replay.ts';
import { initCommand } from './commands/init.ts';
import { runCommand } from './commands/run.ts';
import { savepointCommand } from './commands/savepoint.ts';
import { statusCommand } from './commands/status.ts';
import { verifyCommand } from './commands/verify.ts';
import { CliError, UsageError, firstLine } from './errors.ts';

const COMMANDS: readonly Command[] = [
  initCommand,
  runCommand,
  savepointCommand,
  cancelCommand,
  statusCommand,
  checkpointsListCommand,
  checkpointsInspectCommand,
  checkpointsHistoryCommand,
  dlqListCommand,
  dlqReplayCommand,
  dlqPurgeCommand,
  verifyCommand,
];

function overview(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  const lines = COMMANDS.map((c) => `  weir ${c.name.padEnd(width)}  ${c.summary}`);
  return `usage: weir <command> [options]\n\n${lines.join('\n')}\n\n'weir <command> --help' shows a command's options.\nExit codes: 0 done (finished or cancelled), 1 the job or operation failed, 2 usage or configuration error.`;
}

/**
 * The `weir` command: finds the command named by the first one or two arguments and runs it.
 * Resolves with the process exit code (see `errors.ts`); every failure is one line on stderr.
 */
export async function main(argv: readonly string[]): Promise<number> {
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
    process.stderr.write(`${overview()}\n`);
    return argv.length === 0 ? 2 : 0;
  }
  const two = argv.slice(0, 2).join(' ');
  const command = COMMANDS.find((c) => c.name === two) ?? COMMANDS.find((c) => c.name === argv[0]);
  if (command === undefined) {
    // A command group ('checkpoints', 'dlq') without a known subcommand: name the ones it has.
    const group = COMMANDS.filter((c) => c.name.startsWith(`${argv[0]} `)).map((c) => `'${c.name}'`);
    const what = group.length > 0 ? `expected ${group.slice(0, -1).join(', ')} or ${group[group.length - 1]}` : `unknown command '${argv[0]}'`;
    process.stderr.write(`weir: ${what}\n\n${overview()}\n`);
    return 2;
  }
  const args = argv.slice(command.name.split(' ').length);
  if (args.includes('--help') || args.includes('-h')) {
    process.stderr.write(`${command.usage}\n`);
    return 0;
  }
  try {
    return await command.run(args);
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`weir: ${e.message} (see 'weir ${command.name} --help')\n`);
      return 2;
    }
    if (e instanceof CliError) {
      process.stderr.write(`weir: ${e.message}\n`);
      return e.exitCode;
    }
    process.stderr.write(`weir: ${firstLine(e)}\n`);
    return 1;
  }
}
