import { describe, expect, it } from 'vitest';
import { compareOutput, outputsMatch } from './compare-output.ts';

const records = (...lines: string[]) => lines.map((l) => ({ identity: l, display: l }));

describe('compareOutput', () => {
  it('ignores order and counts copies: fewer is lost, more is doubled, new is unexpected', () => {
    const c = compareOutput(records('a', 'b', 'b', 'c', 'd'), records('d', 'b', 'a', 'a', 'e', 'b', 'b'));
    expect(c.expectedRecords).toBe(5);
    expect(c.actualRecords).toBe(7);
    expect(c.lost).toEqual([{ record: 'c', expected: 1, actual: 0 }]);
    expect(c.doubled).toEqual([
      { record: 'a', expected: 1, actual: 2 },
      { record: 'b', expected: 2, actual: 3 },
    ]);
    expect(c.unexpected).toEqual([{ record: 'e', expected: 0, actual: 1 }]);
    expect(outputsMatch(c)).toBe(false);
  });

  it('matches outputs that hold the same records as often, in any order', () => {
    expect(outputsMatch(compareOutput(records('x', 'y', 'x'), records('x', 'x', 'y')))).toBe(true);
  });
});
