export * from './checkpoint-storage.ts';
export * from './fs-checkpoint-storage.ts';
export * from './metadata-serializer.ts';
export * from './paths.ts';
