/**
 * A misspelled option is an error naming it and the nearest valid one, at the call that took it:
 * ignored silently, it would leave the default in place and the user none the wiser.
 */
import { describe, expect, it } from 'vitest';
import {
  HeapStateBackend,
  StreamEnvironment,
  exponentialBackoff,
  fileSink,
  fixedDelay,
  generatorSource,
  printSink,
} from '@weir/core';
import { configError } from './support/config-error.ts';

describe('an unknown option key', () => {
  it.each([
    ['enableCheckpointing', () => StreamEnvironment.create().enableCheckpointing(1000, { retaned: 5 } as never), 'retaned', 'retained'],
    ['StreamEnvironment.create', () => StreamEnvironment.create({ paralelism: 2 } as never), 'paralelism', 'parallelism'],
    ['generatorSource', () => generatorSource({ generate: (i: number) => i, rate: 10 } as never), 'rate', undefined],
    ['fileSink', () => fileSink({ directory: 'out', dir: 'x' } as never), 'dir', undefined],
    ['printSink', () => printSink({ prefx: 'x' } as never), 'prefx', 'prefix'],
    ['fixedDelay', () => fixedDelay({ attempts: 3, delay: 10, dealy: 5 } as never), 'dealy', 'delay'],
    ['exponentialBackoff', () => exponentialBackoff({ maxBackof: 10 } as never), 'maxBackof', 'maxBackoff'],
    ['HeapStateBackend', () => new HeapStateBackend({ columnFrom: 0 } as never), 'columnFrom', 'columnsFrom'],
  ])('is refused by %s', (what, call, key, nearest) => {
    const e = configError(call);
    expect(e.option).toBe(key);
    expect(e.message).toContain(`${what} has no option '${key}'`);
    if (nearest !== undefined) expect(e.message).toContain(`did you mean '${nearest}'?`);
  });
});
