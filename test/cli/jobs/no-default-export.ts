/** A job file without a default export: `weir run` says what to add, exit code 2. */
import type { StreamEnvironment } from '@weir/core';

export function job(env: StreamEnvironment): void {
  env.fromCollection([1, 2, 3]);
}
