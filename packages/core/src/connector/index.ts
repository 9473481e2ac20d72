export type { Source, SourceReader, SourceReaderContext, SourceOutput, ReaderOutput, InputStatus, SourceReaderMetrics } from './source.ts';
export type { Sink, SinkWriter, SinkWriterContext } from './sink.ts';
export { generatorSource, type GeneratorSourceOptions, type GeneratorSplit } from './generator-source.ts';
export { collectionSource, type CollectionPosition } from './collection-source.ts';
export { printSink, type PrintSinkOptions } from './print-sink.ts';
export { collectSink, type CollectSink } from './collect-sink.ts';
export { fileSink, type FileSinkOptions } from './file-sink.ts';
export { TwoPhaseCommitSinkWriter, type TwoPhaseCommitState } from './two-phase-commit-sink.ts';
