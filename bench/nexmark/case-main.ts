/** Child-process entry: runs one {@link NexmarkCase} (see run-case.ts) and reports its result to the parent. */
import { runAsChild } from '../lib/child.ts';
import { runNexmarkCase, type NexmarkCase } from './run-case.ts';

runAsChild<NexmarkCase, unknown>((spec, progress) => runNexmarkCase(spec, progress));
