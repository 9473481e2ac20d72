/**
 * Errors that end a `weir` command with a one-line reason and a documented exit code:
 *
 * - 2: the command could not start: bad arguments or options, a job file that does not load or
 *   define a job, an invalid job graph or configuration;
 * - 1: the job, or the operation asked of it, failed.
 */
export class CliError extends Error {
  override readonly name = 'CliError';
  constructor(
    message: string,
    readonly exitCode: 1 | 2,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** A bad command line: exit code 2, and the command's usage is printed after the reason. */
export class UsageError extends CliError {
  constructor(message: string) {
    super(message, 2);
  }
}

/** The first line of an error's message, for the one-line reasons the CLI prints. */
export function firstLine(e: unknown): string {
  const message = e instanceof Error ? e.message : String(e);
  return message.split('\n', 1)[0];
}
