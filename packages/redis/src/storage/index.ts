export { RedisCheckpointStorage, type RedisCheckpointStorageOptions } from './redis-checkpoint-storage.ts';
export { parsePointer, type ParsedPointer } from './pointer.ts';
