/**
 * What `keyBy` may return. Keys are compared by value (as `Map` keys) and hashed to key groups, so
 * they must be primitives: for a composite key, build a string such as `${a}|${b}`.
 */
export type Key = string | number | bigint | boolean;

/**
 * A stable 32-bit hash of a key, the same in every process and on every run, so that a key group
 * written by one run is found again by the next. Integers hash by value, strings by Java's
 * `String.hashCode` recurrence, anything else through its string form.
 */
export function hashKey(key: Key): number {
  switch (typeof key) {
    case 'number':
      return (key | 0) === key ? key : hashString(String(key));
    case 'string':
      return hashString(key);
    case 'boolean':
      return key ? 1231 : 1237;
    case 'bigint':
      return hashString(key.toString());
    default:
      throw new TypeError(
        `keyBy must return a string, number, bigint or boolean, got ${key === null ? 'null' : typeof key}; ` +
          'for a composite key return a string such as `${a}|${b}`',
      );
  }
}

function hashString(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(31, h) + s.charCodeAt(i)) | 0;
  return h;
}

/** MurmurHash3's 32-bit finalizer: spreads hashes whose low bits repeat (small integers, similar strings). */
export function murmurMix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
