export { StreamEnvironment, type EnvironmentOptions } from './stream-environment.ts';
export { DataStream, DataStreamSink, KeyedStream } from './data-stream.ts';
export type {
  Collector,
  MapFunction,
  FilterFunction,
  FlatMapFunction,
  ReduceFunction,
  KeySelector,
  RuntimeContext,
  KeyedRuntimeContext,
  KeyedContext,
  ProcessFunction,
  KeyedProcessFunction,
} from './functions.ts';
