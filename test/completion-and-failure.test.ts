import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import {
  collectSink,
  ConfigError,
  generatorSource,
  GraphError,
  JobExecutionError,
  KeyedStream,
  OperatorError,
  StreamEnvironment,
  type Sink,
} from '@weir/core';

const environment = (parallelism = 1) => StreamEnvironment.create({ parallelism, logger: pino({ level: 'silent' }) });

/** The error a promise rejects with (fails the test if it resolves). */
async function rejection(promise: Promise<unknown>): Promise<Error> {
  const outcome = await promise.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
  if (!('error' in outcome)) throw new Error(`expected a rejection, got ${JSON.stringify(outcome.value)}`);
  expect(outcome.error).toBeInstanceOf(Error);
  return outcome.error as Error;
}

/** A sink that calls `onRecord` with the number of records it has taken so far. */
function countingSink<T>(onRecord: (n: number) => void): Sink<T> {
  let n = 0;
  return { createWriter: () => ({ write: () => onRecord(++n) }) };
}

describe('completion', () => {
  it('finishes a bounded job once every source has ended', async () => {
    const env = environment(2);
    const out = collectSink<number>();
    env.fromSource(generatorSource({ count: 1_000, generate: (i) => i })).keyBy((i) => i % 10).reduce((a, b) => a + b).sinkTo(out);
    const result = await env.execute('bounded');
    expect(result).toMatchObject({ jobName: 'bounded', status: 'finished', restarts: 0 });
    expect(out.values).toHaveLength(1_000);
  });

  it('runs an unbounded job until cancel(), then reports it cancelled', async () => {
    const env = environment(2);
    let reached!: () => void;
    const running = new Promise<void>((resolve) => (reached = resolve));
    env
      .fromSource(generatorSource({ generate: (i) => i }))
      .rebalance()
      .sinkTo(countingSink<number>((n) => n === 50_000 && reached()));
    const client = env.executeAsync('unbounded');
    let settled = false;
    void client.result.finally(() => (settled = true));

    await running;
    expect(settled).toBe(false);
    client.cancel();
    const result = await client.result;
    expect(result).toMatchObject({ jobName: 'unbounded', status: 'cancelled' });
  });
});

describe('failures at run time', () => {
  it('fails the job when a map throws, naming the operator, its uid and the subtask', async () => {
    const env = environment(3);
    const boom = new Error('cannot parse record 7');
    env
      .fromSource(generatorSource({ count: 30, generate: (i) => i }))
      .map((i) => {
        if (i === 7) throw boom;
        return i;
      })
      .name('parse')
      .uid('parse-v1')
      .sinkTo(collectSink());

    // Subtask 1 (0-based) of the generator produces index 7; the map is chained to it.
    const error = await rejection(env.execute('parsing'));
    expect(error).toBeInstanceOf(JobExecutionError);
    expect(error.message).toContain("job 'parsing' failed");
    expect(error.message).toContain("'parse'");
    expect(error.message).toContain("'parse-v1'");
    expect(error.message).toContain('subtask 2/3');
    expect(error.message).toContain('cannot parse record 7');

    const operatorError = error.cause;
    expect(operatorError).toBeInstanceOf(OperatorError);
    expect(operatorError).toMatchObject({ operatorName: 'parse', operatorUid: 'parse-v1', subtaskIndex: 1, parallelism: 3 });
    expect((operatorError as OperatorError).cause).toBe(boom);
  });

  it('fails the job when a key selector throws, naming keyBy', async () => {
    const env = environment(2);
    const boom = new Error('no key');
    env
      .fromSource(generatorSource({ count: 10, generate: (i) => i }))
      .map((i) => i)
      .name('ids')
      .keyBy((i) => {
        if (i === 4) throw boom;
        return i;
      })
      .reduce((a, b) => a + b)
      .name('sum')
      .setParallelism(3)
      .sinkTo(collectSink());

    const error = await rejection(env.execute('keys'));
    expect(error).toBeInstanceOf(JobExecutionError);
    // The selector runs where the records are produced: in subtask 1 of 2 of 'ids', before routing.
    expect(error.message).toMatch(/operator 'ids' \(uid 'operator-1'\) subtask 1\/2 failed in keyBy: no key/);
    expect(error.cause).toBeInstanceOf(OperatorError);
    expect((error.cause as OperatorError).phase).toBe('keyBy');
    expect((error.cause as OperatorError).cause).toBe(boom);
  });

  it('fails the job when a sink throws, naming the sink and its phase', async () => {
    const env = environment();
    env
      .fromCollection([1, 2])
      .sinkTo({
        createWriter: () => ({
          write() {
            throw new Error('disk full');
          },
        }),
      })
      .name('files');
    const error = await rejection(env.execute());
    expect(error.message).toMatch(/operator 'files' .* subtask 1\/1 failed in write: disk full/);
  });
});

describe('invalid jobs fail synchronously at executeAsync()', () => {
  it('rejects reduce on a stream that was not keyed', () => {
    const env = environment();
    const numbers = env.fromCollection([1, 2, 3]);
    // The types only offer reduce() after keyBy(); force it on a plain stream.
    new KeyedStream<number, number>(env, numbers.transformation).reduce((a, b) => a + b).sinkTo(collectSink());
    expect(() => env.executeAsync()).toThrow(GraphError);
    expect(() => env.executeAsync()).toThrow("operator 'Reduce' needs a keyed input: call keyBy(...) right before it");
  });

  it('rejects a parallelism above the maxParallelism', () => {
    const env = environment().setMaxParallelism(4);
    env.fromCollection([1]).map((x) => x).name('wide').setParallelism(8).sinkTo(collectSink()).setParallelism(1);
    const error = catchSync(() => env.executeAsync());
    expect(error).toBeInstanceOf(ConfigError);
    expect(error).toMatchObject({ option: 'parallelism' });
    expect(error.message).toBe(
      "operator 'wide' has parallelism 8 above its maxParallelism 4: lower the parallelism or raise setMaxParallelism(...)",
    );
  });

  it('rejects setParallelism(0) at once, with a ConfigError for option parallelism', () => {
    const env = environment();
    const stream = env.fromCollection([1]).map((x) => x);
    for (const call of [() => stream.setParallelism(0), () => env.setParallelism(0), () => environment(0)]) {
      const error = catchSync(call);
      expect(error).toBeInstanceOf(ConfigError);
      expect(error).toMatchObject({ option: 'parallelism', message: "option 'parallelism' must be an integer ≥ 1, got 0" });
    }
    expect(catchSync(() => stream.setParallelism(1.5))).toMatchObject({ option: 'parallelism' });
  });

  it('rejects a collection source at parallelism 2, as it supports at most 1', () => {
    const env = environment();
    env.fromCollection([1, 2]).setParallelism(2).sinkTo(collectSink());
    const error = catchSync(() => env.executeAsync());
    expect(error).toBeInstanceOf(ConfigError);
    expect(error).toMatchObject({ option: 'parallelism', message: "source 'Collection Source' supports parallelism up to 1, got 2" });
  });

  it('runs a collection source at parallelism 1 when only the default parallelism is higher', async () => {
    const env = environment(4);
    const out = collectSink<number>();
    env.fromCollection([1, 2, 3]).sinkTo(out);
    const result = await env.execute();
    expect(result.status).toBe('finished');
    // The sink runs at 4 and is fed by rebalance from the single source subtask.
    expect(out.bySubtask).toEqual([[1], [2], [3], []]);
  });

  it('rejects two operators with the same uid', () => {
    const env = environment();
    const s = env.fromCollection([1]);
    s.map((x) => x).name('first').uid('same').sinkTo(collectSink());
    s.map((x) => x).name('second').uid('same').sinkTo(collectSink());
    const error = catchSync(() => env.executeAsync());
    expect(error).toBeInstanceOf(GraphError);
    expect(error.message).toBe("uid 'same' is used by both 'first' and 'second': uids must be unique");
  });

  it('rejects a job without a sink', () => {
    const env = environment();
    env.fromCollection([1]).map((x) => x);
    const error = catchSync(() => env.executeAsync());
    expect(error).toBeInstanceOf(GraphError);
    expect(error.message).toBe('the job has no sink: end at least one stream with sinkTo(...)');
  });

  it('rejects forward() between operators of different parallelism', () => {
    const env = environment(2);
    env.fromCollection([1]).forward().map((x) => x).name('twice').sinkTo(collectSink());
    expect(() => env.executeAsync()).toThrow(/forward\(\) connects 'Collection Source' \(parallelism 1\) to 'twice' \(parallelism 2\)/);
  });

  it('rejects settings on a keyBy, which only routes records', () => {
    const env = environment();
    const keyed = env.fromCollection([1]).keyBy((x) => x);
    expect(() => keyed.name('k')).toThrow("name() applies to an operator; 'KeyBy' only routes records: call it on the operator before");
  });
});

function catchSync(fn: () => unknown): Error {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(Error);
    return e as Error;
  }
  throw new Error('expected a synchronous throw');
}
