/**
 * Random strings as Beam's `StringsGenerator` draws them, from the same random calls, so names,
 * descriptions and `extra` padding match the reference character for character.
 *
 * Characters are written into one reused byte buffer and read out as a one-byte string in a single
 * call: building a 70-character string one character at a time costs about twice as much.
 */
import type { JavaRandom } from './java-random.ts';

const MIN_STRING_LENGTH = 3;
const CHAR_A = 0x61;
const SPACE = 0x20;
/** Longer than any string the generator asks for at the default sizes; grown if a config needs more. */
let scratch = Buffer.allocUnsafe(1024);

function room(length: number): Buffer {
  if (length > scratch.length) scratch = Buffer.allocUnsafe(Math.max(length, scratch.length * 2));
  return scratch;
}

/** Up to `maxLength − 1` characters: lowercase letters, 1 in 13 a space, trimmed. */
export function nextString(random: JavaRandom, maxLength: number): string {
  const length = MIN_STRING_LENGTH + random.nextIntBelow(maxLength - MIN_STRING_LENGTH);
  const buf = room(length);
  for (let i = 0; i < length; i++) {
    buf[i] = random.nextIntBelow(13) === 0 ? SPACE : CHAR_A + random.nextIntBelow(26);
  }
  return buf.toString('latin1', 0, length).trim();
}

/**
 * Exactly `length` characters, six from each random int. As in the reference, a negative int
 * gives characters below 'a' (from 'H' to '`'): Java's `%` keeps the sign, and so does ours.
 */
export function nextExactString(random: JavaRandom, length: number): string {
  const buf = room(length);
  let rnd = 0;
  let left = 0;
  for (let i = 0; i < length; i++) {
    if (left === 0) {
      rnd = random.nextInt();
      left = 6;
    }
    buf[i] = CHAR_A + (rnd % 26);
    rnd = (rnd / 26) | 0;
    left--;
  }
  return buf.toString('latin1', 0, length);
}

/** Padding that brings a record of `currentSize` bytes to `averageSize` on average (±20%). */
export function nextExtra(random: JavaRandom, currentSize: number, averageSize: number): string {
  if (currentSize > averageSize) return '';
  const desired = averageSize - currentSize;
  const delta = Math.round(desired * 0.2);
  const size = desired - delta + (delta === 0 ? 0 : random.nextIntBelow(2 * delta));
  return nextExactString(random, size);
}
