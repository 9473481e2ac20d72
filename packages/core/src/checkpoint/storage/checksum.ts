import { crc32 } from 'node:zlib';

/** CRC-32 (zlib) as 8 lowercase hex digits, the form every StreamStateHandle carries. */
export function checksumOf(bytes: Uint8Array): string {
  return crc32(bytes).toString(16).padStart(8, '0');
}
