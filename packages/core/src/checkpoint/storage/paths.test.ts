import { describe, expect, it } from 'vitest';
import {
  checkpointDirName,
  isSafeStateName,
  isTempFileName,
  parseCheckpointDirName,
  parseSavepointDirName,
  savepointDirName,
  tempFileName,
} from './paths.ts';

describe('storage paths', () => {
  it('formats and parses chk-<n> as inverses', () => {
    expect(checkpointDirName(17)).toBe('chk-17');
    expect(parseCheckpointDirName('chk-17')).toBe(17);
    expect(parseCheckpointDirName(checkpointDirName(Number.MAX_SAFE_INTEGER))).toBe(Number.MAX_SAFE_INTEGER);
  });

  it('rejects every name that is not exactly chk-<positive integer>', () => {
    for (const name of ['chk-0', 'chk-017', 'chk-', 'chk-1.5', 'chk--1', 'chk-17.tmp', 'CHK-17', ' chk-1', 'chk-99999999999999999999', 'savepoint-1-abcdef']) {
      expect(parseCheckpointDirName(name), name).toBeUndefined();
    }
  });

  it('refuses to format an id that is not an integer ≥ 1', () => {
    for (const id of [0, -1, 1.5, Number.NaN]) expect(() => checkpointDirName(id)).toThrow(RangeError);
  });

  it('names savepoints savepoint-<n>-<6 random characters> and parses them back', () => {
    const name = savepointDirName(5, new Uint8Array([0, 1, 25, 26, 35, 255]));
    expect(name).toMatch(/^savepoint-5-[a-z0-9]{6}$/);
    expect(name).toBe('savepoint-5-abz09d');
    expect(parseSavepointDirName(name)).toBe(5);
    expect(parseSavepointDirName('savepoint-5-abc')).toBeUndefined();
    expect(parseSavepointDirName('chk-5')).toBeUndefined();
    expect(() => savepointDirName(5, new Uint8Array(5))).toThrow(RangeError);
  });

  it('makes temp file names that no state name can take', () => {
    const temp = tempFileName('_metadata', 'a1b2');
    expect(isTempFileName(temp)).toBe(true);
    expect(isSafeStateName(temp)).toBe(false);
    expect(isTempFileName('_metadata')).toBe(false);
  });

  it('accepts only single safe path segments as state names', () => {
    for (const ok of ['op-uid-0-keyed', 'a', '_x', 'A.b_c-1']) expect(isSafeStateName(ok), ok).toBe(true);
    for (const bad of ['', '.', '..', '../x', 'a/b', 'a\\b', '-rf', '_metadata', 'a b', 'x'.repeat(201)]) {
      expect(isSafeStateName(bad), bad).toBe(false);
    }
  });
});
