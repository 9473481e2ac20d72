import { describe, expect, it } from 'vitest';
import { generatorSource, type GeneratorSplit } from './generator-source.ts';
import type { ReaderOutput, SourceReader, SourceReaderContext } from './source.ts';

/** A reader of `generatorSource` given `splits` (as a restore at another parallelism gives them), and what it emits, by split. */
function restoredReader(splits: GeneratorSplit[], count: number, ratePerSecond?: number) {
  const events: string[] = [];
  const outputs = new Map<string, { collect(i: number): void }>();
  const output: ReaderOutput<number> = {
    collect: (i) => events.push(`record ${i} without split`),
    // As the runtime's: one output per split, made on the first call.
    createOutputForSplit: (id) => {
      let out = outputs.get(id);
      if (out === undefined) {
        events.push(`split ${id}`);
        outputs.set(id, (out = { collect: (i: number) => events.push(`${id}:${i}`) }));
      }
      return out;
    },
    releaseOutputForSplit: (id) => events.push(`release ${id}`),
  };
  const ctx = { subtaskIndex: 0, parallelism: 1, restoredState: splits } as unknown as SourceReaderContext<GeneratorSplit>;
  const reader = generatorSource({ count, generate: (i) => i, ratePerSecond }).createReader(ctx) as SourceReader<number, GeneratorSplit>;
  reader.start?.();
  return { reader, output, events };
}

describe('generatorSource with several splits in one reader (restored at a lower parallelism)', () => {
  it('creates every split’s output before its first record, so that no split’s watermark runs ahead of another’s records', () => {
    const { reader, output, events } = restoredReader([
      { split: 0, splits: 2, next: 4000 },
      { split: 1, splits: 2, next: 3001 },
    ], 10_000);
    reader.pollNext(output);
    expect(events.slice(0, 2)).toEqual(['split 0', 'split 1']);
    expect(events[2]).toBe('0:4000');
  });

  it('takes turns: a poll’s worth from each split in turn, not one split to its end first', () => {
    const { reader, output, events } = restoredReader([
      { split: 0, splits: 2, next: 0 },
      { split: 1, splits: 2, next: 1 },
    ], 100_000);
    for (let poll = 0; poll < 4; poll++) reader.pollNext(output);
    const splitOf = events.filter((e) => /^\d+:/.test(e)).map((e) => e.split(':')[0]);
    // 512 records a poll: split 0, split 1, split 0, split 1.
    expect(splitOf.length).toBe(4 * 512);
    for (let poll = 0; poll < 4; poll++) expect(new Set(splitOf.slice(poll * 512, (poll + 1) * 512))).toEqual(new Set([String(poll % 2)]));
    expect(reader.snapshotState!(1)).toEqual([
      { split: 0, splits: 2, next: 2 * 1024 },
      { split: 1, splits: 2, next: 1 + 2 * 1024 },
    ]);
  });

  it('goes on with the other split within the same poll when one ends, and releases it', () => {
    const { reader, output, events } = restoredReader([
      { split: 0, splits: 2, next: 96 },
      { split: 1, splits: 2, next: 1 },
    ], 100);
    expect(reader.pollNext(output)).toBe('end');
    expect(events.filter((e) => e.startsWith('0:'))).toEqual(['0:96', '0:98']);
    expect(events.filter((e) => e.startsWith('1:')).length).toBe(50);
    expect(events).toContain('release 0');
    expect(events).toContain('release 1');
  });

  it('announces and reads only the splits a restore left unfinished', () => {
    const { reader, output, events } = restoredReader([
      { split: 0, splits: 2, next: 100 },
      { split: 1, splits: 2, next: 51 },
    ], 100);
    expect(reader.pollNext(output)).toBe('end');
    expect(events.filter((e) => e.startsWith('split'))).toEqual(['split 1']);
    expect(events.filter((e) => /^\d+:/.test(e))).toEqual(Array.from({ length: 25 }, (_, j) => `1:${51 + 2 * j}`));
  });

  it('takes turns under a rate limit too', async () => {
    const { reader, output, events } = restoredReader([
      { split: 0, splits: 2, next: 0 },
      { split: 1, splits: 2, next: 1 },
    ], 1_000_000, 2_000);
    for (let poll = 0; poll < 20; poll++) {
      await new Promise((r) => setTimeout(r, 5));
      reader.pollNext(output);
    }
    expect(events.filter((e) => e.startsWith('0:')).length).toBeGreaterThan(0);
    expect(events.filter((e) => e.startsWith('1:')).length).toBeGreaterThan(0);
  });
});
