/**
 * What a worker thread loads to define the job again: the job's own module (or a program's entry
 * that serves as a TaskManager when it finds itself in a worker), with the Node options it needs.
 */
export interface WorkerEntry {
  readonly url: URL;
  readonly execArgv: readonly string[];
  /** Passed to the entry as `workerData.app` (e.g. the job file and command-line options of `weir run`). */
  readonly data: unknown;
}
