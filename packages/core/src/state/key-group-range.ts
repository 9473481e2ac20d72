/** An inclusive range of key groups `start..end` owned by one subtask; empty when `end < start`. */
export class KeyGroupRange {
  constructor(
    readonly start: number,
    readonly end: number,
  ) {}

  get size(): number {
    return this.end < this.start ? 0 : this.end - this.start + 1;
  }

  contains(keyGroup: number): boolean {
    return keyGroup >= this.start && keyGroup <= this.end;
  }

  /** The key groups both ranges hold (empty range when they do not overlap). */
  intersect(other: KeyGroupRange): KeyGroupRange {
    return new KeyGroupRange(Math.max(this.start, other.start), Math.min(this.end, other.end));
  }

  toString(): string {
    return `KeyGroupRange{${this.start}..${this.end}}`;
  }
}
