import { describe, expect, it } from 'vitest';
import { UsageError } from '../errors.ts';
import { parseArgs } from './parse-args.ts';

const specs = {
  'job-name': { type: 'string' },
  parallelism: { type: 'integer', min: 1 },
  port: { type: 'integer', min: 0, max: 65535 },
  'log-level': { type: 'choice', choices: ['info', 'debug'] },
  fresh: { type: 'flag' },
} as const;

describe('parseArgs', () => {
  it('reads options in both spellings, flags and positionals', () => {
    const parsed = parseArgs(['job.ts', '--job-name', 'a', '--parallelism=3', '--fresh', '--log-level', 'debug'], specs, ['FILE']);
    expect(parsed.positionals).toEqual(['job.ts']);
    expect(parsed.options).toEqual({ 'job-name': 'a', parallelism: 3, fresh: true, 'log-level': 'debug' });
  });

  it('names an unknown option', () => {
    expect(() => parseArgs(['x', '--nope'], specs, ['FILE'])).toThrow(new UsageError("unknown option '--nope'"));
    expect(() => parseArgs(['x', '-p'], specs, ['FILE'])).toThrow(new UsageError("unknown option '-p'"));
  });

  it('says what an option expects when its value is wrong or missing', () => {
    expect(() => parseArgs(['x', '--parallelism', '0'], specs, ['FILE'])).toThrow("option '--parallelism' needs an integer ≥ 1, got 0");
    expect(() => parseArgs(['x', '--parallelism', 'two'], specs, ['FILE'])).toThrow("needs an integer ≥ 1, got 'two'");
    expect(() => parseArgs(['x', '--port', '70000'], specs, ['FILE'])).toThrow('an integer from 0 to 65535, got 70000');
    expect(() => parseArgs(['x', '--job-name'], specs, ['FILE'])).toThrow("option '--job-name' needs a value");
    expect(() => parseArgs(['x', '--log-level', 'loud'], specs, ['FILE'])).toThrow("needs one of info, debug, got 'loud'");
    expect(() => parseArgs(['x', '--fresh=yes'], specs, ['FILE'])).toThrow("option '--fresh' takes no value");
  });

  it('rejects missing, extra and repeated arguments', () => {
    expect(() => parseArgs([], specs, ['FILE'])).toThrow('missing argument FILE');
    expect(() => parseArgs(['a', 'b'], specs, ['FILE'])).toThrow("unexpected argument 'b'");
    expect(() => parseArgs(['a', '--fresh', '--fresh'], specs, ['FILE'])).toThrow("option '--fresh' is given twice");
    expect(parseArgs(['a'], specs, ['FILE', 'DIR?']).positionals).toEqual(['a']);
  });
});
