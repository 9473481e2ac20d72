/**
 * A job whose sink never finishes closing (an external system that stopped answering): a first
 * signal asks it to cancel and it does not end, so the second signal must end the process.
 */
import { generatorSource, type Sink, type StreamEnvironment } from '@weir/core';

const hangingSink: Sink<number> = {
  createWriter: () => ({
    write: () => undefined,
    close: () => new Promise<void>(() => undefined),
  }),
};

export default function job(env: StreamEnvironment): void {
  env.fromSource(generatorSource({ generate: (i) => i, ratePerSecond: 1000 })).sinkTo(hangingSink);
}
