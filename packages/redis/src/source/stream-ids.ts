/**
 * Redis stream entry ids, `<ms>-<seq>` with both parts unsigned 64-bit: compared and stepped as
 * BigInts (ids past 2^53 ms are legal, if unusual).
 */

/** The id before every entry: reading after it reads the whole stream. */
export const STREAM_START = '0-0';

function parts(id: string): [bigint, bigint] {
  const m = /^(\d+)(?:-(\d+))?$/.exec(id);
  if (m === null) throw new RangeError(`'${id}' is not a stream entry id (<ms>-<seq>)`);
  return [BigInt(m[1]), BigInt(m[2] ?? 0)];
}

/** Whether `id` is a complete entry id `<ms>-<seq>`. */
export function isStreamId(id: unknown): id is string {
  return typeof id === 'string' && /^\d+-\d+$/.test(id);
}

export function compareStreamIds(a: string, b: string): number {
  const [am, as] = parts(a);
  const [bm, bs] = parts(b);
  return am !== bm ? (am < bm ? -1 : 1) : as !== bs ? (as < bs ? -1 : 1) : 0;
}

/** The smallest id after `id` (for `XTRIM MINID`, which keeps ids ≥ its argument). */
export function nextStreamId(id: string): string {
  const [ms, seq] = parts(id);
  return seq === 0xffff_ffff_ffff_ffffn ? `${ms + 1n}-0` : `${ms}-${seq + 1n}`;
}
