/** One `weir` command: its name as typed (`'checkpoints list'`), its usage, and what runs it. */
export interface Command {
  readonly name: string;
  /** One line: what the command does. */
  readonly summary: string;
  /** Its synopsis and options, printed by `--help` and after a usage error. */
  readonly usage: string;
  /** Runs with the arguments after the command's name; resolves with the exit code. */
  run(args: readonly string[]): Promise<number>;
}
