/**
 * JSON.stringify for state values, which msgpack restores with their JavaScript types: bigint
 * becomes a decimal string, Map an object (or `[key, value]` pairs when a key is not a string or
 * number), Set an array, bytes a base64 string. Dates keep their ISO form.
 */
export function stringifyState(value: unknown): string {
  return JSON.stringify(value, replacer);
}

function replacer(this: unknown, _key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Map) {
    const plain = [...value.keys()].every((k) => typeof k === 'string' || typeof k === 'number');
    return plain ? Object.fromEntries(value) : [...value.entries()];
  }
  if (value instanceof Set) return [...value];
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64');
  return value;
}
