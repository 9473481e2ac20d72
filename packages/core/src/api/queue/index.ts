export { DedupeFunction, type DedupeId, type DedupeOptions } from './dedupe.ts';
export { RateLimitFunction, type RateLimitOptions } from './rate-limit.ts';
