export { redisDeadLetterQueue, type RedisDeadLetterQueue, type RedisDeadLetterQueueOptions } from './redis-dead-letter-queue.ts';
export { encodeDeadLetter, type DeadLetterFormat } from './encode.ts';
