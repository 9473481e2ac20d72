export { redisDeadLetterQueue, type RedisDeadLetterQueue, type RedisDeadLetterQueueOptions } from './redis-dead-letter-queue.ts';
export { encodeDeadLetter, type DeadLetterFormat } from './encode.ts';
export { decodeStoredLetter, replayPayload, type StoredLetter } from './stored-letter.ts';
export { isFiltering, matchesFilter, type LetterFilter } from './letter-filter.ts';
export { readDeadLetters, checkDeadLetterList, DeadLetterListError, type ListedElement } from './read-dead-letters.ts';
export { replayDeadLetters, type ReplayDeadLettersOptions, type ReplayOutcome } from './replay-dead-letters.ts';
export { purgeDeadLetters, type PurgeDeadLettersOptions, type PurgeOutcome } from './purge-dead-letters.ts';
export type { ReplayTargetKind } from '../lua/replay.ts';
export { readBookkeeping, type DeadLetterBookkeeping } from './bookkeeping.ts';
