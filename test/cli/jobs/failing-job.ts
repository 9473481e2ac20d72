/** A job whose operator throws at record 100: it fails for good (no restarts), exit code 1. */
import { collectSink, type StreamEnvironment } from '@weir/core';

export default function job(env: StreamEnvironment): void {
  env
    .fromCollection(Array.from({ length: 1000 }, (_, i) => i))
    .map((i) => {
      if (i === 100) throw new Error(`record ${i} is malformed`);
      return i;
    })
    .name('parse')
    .uid('parse')
    .sinkTo(collectSink());
}
