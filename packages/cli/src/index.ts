/** @weir/cli: the `weir` command. `main(argv)` runs it and resolves with the exit code. */
export { main } from './main.ts';
export { CliError, UsageError } from './errors.ts';
export type { JobDefinition } from './job/load-job-file.ts';
