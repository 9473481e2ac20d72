/**
 * Word count: the classic first job. Lines in, a running count per word out.
 *
 *   npm start                 # runs this file with `weir run`
 */
import { printSink, type StreamEnvironment } from '@weir/core';

/** The input, exported so that tests (and curious users) can check the counts. */
export const lines = [
  'a weir is a low barrier across a river',
  'it keeps the flow of the river even',
  'barriers are what this runtime is built around',
  'the river flows on and the weir holds',
];

export default function job(env: StreamEnvironment): void {
  env.setParallelism(2);
  env
    .fromCollection(lines)
    .flatMap<string>((line, out) => {
      for (const w of line.split(/\s+/)) if (w !== '') out.collect(w);
    })
    .name('tokenize')
    .keyBy((w) => w)
    .map((w) => ({ word: w, n: 1 }))
    .keyBy((c) => c.word)
    .reduce((a, b) => ({ word: a.word, n: a.n + b.n }))
    .name('count')
    .uid('word-counts')
    .sinkTo(printSink());
}
