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
  OnTimerContext,
  ProcessFunction,
  TimerService,
  TimeDomain,
  AggregateFunction,
  CoProcessContext,
  ProcessJoinContext,
} from './functions.ts';
export { KeyedProcessFunction, CoProcessFunction, KeyedCoProcessFunction, ProcessJoinFunction } from './functions.ts';
export { OutputTag } from './output-tag.ts';
export { DedupeFunction, RateLimitFunction, type DedupeId, type DedupeOptions, type RateLimitOptions } from './queue/index.ts';
export { ConnectedStreams, KeyedConnectedStreams } from './connected-streams.ts';
export { IntervalJoin, IntervalJoined } from './interval-join.ts';
export { watermarks, WatermarkStrategy, BoundedOutOfOrdernessWatermarks, type WatermarkGenerator, type WatermarkOutput, type TimestampAssigner } from './watermarks/index.ts';
export {
  tumblingEventTime,
  tumblingProcessingTime,
  slidingEventTime,
  slidingProcessingTime,
  eventTimeSessions,
  processingTimeSessions,
  globalWindows,
  GLOBAL_WINDOW,
  assignWindows,
  type WindowAssigner,
  type TumblingWindows,
  type SlidingWindows,
  type SessionWindows,
  type GlobalWindows,
} from './windowing/window-assigner.ts';
export { maxTimestamp, windowStart, type TimeWindow } from './windowing/time-window.ts';
export {
  eventTimeTrigger,
  processingTimeTrigger,
  countTrigger,
  continuousEventTimeTrigger,
  continuousProcessingTimeTrigger,
  purgingTrigger,
  neverTrigger,
  type Trigger,
  type TriggerContext,
  type TriggerResult,
} from './windowing/trigger.ts';
export { countEvictor, timeEvictor, type Evictor, type AnyEvictor, type TimestampedValue } from './windowing/evictor.ts';
export { mergeWindows, type MergedWindow } from './windowing/merge-windows.ts';
export { ProcessWindowFunction, ProcessAllWindowFunction, type WindowContext } from './windowing/window-functions.ts';
export { WindowedStream, AllWindowedStream } from './windowing/windowed-stream.ts';
export {
  CoGroupedStreams,
  CoGroupWithWindow,
  JoinedStreams,
  TwoStreamsWhere,
  TwoStreamsEqualTo,
  TwoStreamsWindow,
  JoinWithWindow,
  type CoGroupFunction,
  type JoinFunction,
  type FlatJoinFunction,
} from './windowing/co-grouped-streams.ts';
