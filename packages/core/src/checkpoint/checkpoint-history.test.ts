import { describe, expect, it } from 'vitest';
import {
  CHECKPOINT_HISTORY_RECORD,
  CheckpointHistory,
  HISTORY_LIMITS,
  decodeCheckpointHistory,
  encodeCheckpointHistory,
  type RunStart,
} from './checkpoint-history.ts';
import { persistCheckpointHistory } from './checkpoint-history-writer.ts';
import { CheckpointStatsTracker } from './stats.ts';
import { InMemoryCheckpointStorage } from './testing/in-memory-storage.ts';
import { ManualTimer } from './testing/manual-timer.ts';

const start = (over: Partial<RunStart> = {}): RunStart => ({
  pid: 7,
  host: 'box',
  startedAt: 1_000,
  tasks: { v0: { name: 'Source: gen', parallelism: 1 }, v1: { name: 'count -> sink', parallelism: 2 } },
  taskKeys: ['v0#0', 'v1#0', 'v1#1'],
  fresh: false,
  fromCheckpoint: undefined,
  ...over,
});

const metrics = (ms: number, stateSize = 10) => ({ alignmentMs: ms, syncMs: 1, asyncMs: 2, stateSize });

/** A history fed by a stats tracker, as the JobManager wires them. */
function followed(): { history: CheckpointHistory; tracker: CheckpointStatsTracker } {
  const history = new CheckpointHistory('gen');
  const tracker = new CheckpointStatsTracker();
  tracker.onEnded((s) => history.recordCheckpoint(s));
  return { history, tracker };
}

const silent = { info: () => {}, warn: () => {}, error: () => {}, debug: () => {}, child: () => silent };

describe('CheckpointHistory', () => {
  it('records each checkpoint that ends with the subtask that acknowledged last and the longest alignment', () => {
    const { history, tracker } = followed();
    history.startRun(start());
    tracker.reportTriggered(1, 'checkpoint', 100);
    tracker.reportAcknowledged(1, 'v0#0', metrics(0), 102);
    tracker.reportAcknowledged(1, 'v1#1', metrics(30), 140);
    tracker.reportAcknowledged(1, 'v1#0', metrics(5), 190);
    tracker.reportCompleted(1, 195);
    expect(history.snapshot().checkpoints).toEqual([
      {
        checkpointId: 1,
        run: 1,
        kind: 'checkpoint',
        status: 'completed',
        triggeredAt: 100,
        durationMs: 95,
        stateSize: 30,
        acknowledged: 3,
        subtaskCount: 3,
        lastAcknowledged: { taskKey: 'v1#0', ackDelayMs: 90 },
        alignmentMs: 30,
        syncMs: 1,
        asyncMs: 2,
        subtasks: [
          { taskKey: 'v0#0', ...metrics(0), ackDelayMs: 2 },
          { taskKey: 'v1#1', ...metrics(30), ackDelayMs: 40 },
          { taskKey: 'v1#0', ...metrics(5), ackDelayMs: 90 },
        ],
      },
    ]);
  });

  it('names the subtasks a failed checkpoint never heard from', () => {
    const { history, tracker } = followed();
    history.startRun(start());
    tracker.reportTriggered(4, 'checkpoint', 0);
    tracker.reportAcknowledged(4, 'v1#0', metrics(1), 3);
    tracker.reportFailed(4, 600_000, 'expired');
    expect(history.snapshot().checkpoints[0]).toMatchObject({ status: 'failed', failureReason: 'expired', acknowledged: 1, missing: ['v0#0', 'v1#1'] });
  });

  it('keeps the last 1,000 checkpoints, with per-subtask details on the newest 100 only', () => {
    const { history, tracker } = followed();
    history.startRun(start());
    for (let id = 1; id <= HISTORY_LIMITS.checkpoints + 5; id++) {
      tracker.reportTriggered(id, 'checkpoint', id);
      tracker.reportAcknowledged(id, 'v0#0', metrics(1), id + 1);
      tracker.reportCompleted(id, id + 2);
    }
    const { checkpoints } = history.snapshot();
    expect(checkpoints).toHaveLength(HISTORY_LIMITS.checkpoints);
    expect([checkpoints[0].checkpointId, checkpoints.at(-1)!.checkpointId]).toEqual([1005, 6]);
    expect(checkpoints.filter((c) => c.subtasks !== undefined)).toHaveLength(HISTORY_LIMITS.detailed);
    expect(checkpoints[HISTORY_LIMITS.detailed]).toMatchObject({ lastAcknowledged: { taskKey: 'v0#0' }, alignmentMs: 1 });
  });

  it('ties each failure to its run and to the checkpoint the restart after it went back to', () => {
    const history = new CheckpointHistory('gen');
    history.startRun(start());
    history.recordAttemptStart(null);
    history.recordFailure({ time: 50, message: 'boom', operator: 'parse', operatorUid: 'parse', subtask: 0, phase: 'processElement' });
    history.recordAttemptStart(3);
    history.recordFailure({ time: 90, message: 'boom again' });
    history.endRun('failed', 95);
    const snapshot = history.snapshot();
    expect(snapshot.runs).toEqual([{ ...start(), taskKeys: undefined, fresh: undefined, fromCheckpoint: undefined, run: 1, restoredCheckpointId: null, outcome: 'failed', endedAt: 95 }].map(clean));
    expect(snapshot.failures.map((f) => [f.message, f.run, f.restoredCheckpointId])).toEqual([
      ['boom again', 1, undefined],
      ['boom', 1, 3],
    ]);
  });

  it('marks a run that never recorded its end as lost, last heard of when the record was written', () => {
    const first = new CheckpointHistory('gen');
    first.startRun(start());
    const persisted = decodeCheckpointHistory(encodeCheckpointHistory(first.toRecord(4_000)))!;
    const second = new CheckpointHistory('gen');
    second.load(persisted);
    expect(second.startRun(start({ pid: 8, startedAt: 5_000 }))).toBe(2);
    expect(second.snapshot().runs.map((r) => [r.run, r.pid, r.outcome, r.endedAt])).toEqual([
      [2, 8, undefined, undefined],
      [1, 7, 'lost', 4_000],
    ]);
  });

  it('decodes nothing from bytes that are not a history, and skips entries that are not entries', () => {
    expect(decodeCheckpointHistory(new TextEncoder().encode('{"version":2}'))).toBeUndefined();
    expect(decodeCheckpointHistory(new TextEncoder().encode('not json'))).toBeUndefined();
    const odd = { version: 1, jobName: 'gen', updatedAt: 1, runs: [null, { run: 1, startedAt: 2 }], checkpoints: [{ checkpointId: 'x' }], failures: 'no' };
    expect(decodeCheckpointHistory(new TextEncoder().encode(JSON.stringify(odd)))).toEqual({
      version: 1,
      jobName: 'gen',
      updatedAt: 1,
      runs: [{ run: 1, startedAt: 2 }],
      checkpoints: [],
      failures: [],
    });
  });
});

describe('persistCheckpointHistory', () => {
  it('writes at most once per interval after a change, in the background, the latest state each time', async () => {
    const storage = new InMemoryCheckpointStorage();
    const timer = new ManualTimer(0);
    const writes: number[] = [];
    const write = storage.writeJobRecord.bind(storage);
    storage.writeJobRecord = async (name, bytes) => {
      writes.push(timer.now());
      await write(name, bytes);
    };
    const { history, tracker } = followed();
    const writer = (await persistCheckpointHistory(history, storage, { logger: silent, clock: timer, timer, minIntervalMs: 1000 }))!;
    history.startRun(start());
    for (let id = 1; id <= 5; id++) {
      tracker.reportTriggered(id, 'checkpoint', timer.now());
      tracker.reportCompleted(id, timer.now());
      await timer.advance(300);
    }
    expect(writes).toEqual([1000]);
    await timer.advance(2000);
    expect(writes).toEqual([1000, 2200]);
    const saved = decodeCheckpointHistory((await storage.readJobRecord(CHECKPOINT_HISTORY_RECORD))!)!;
    expect(saved.checkpoints.map((c) => c.checkpointId)).toEqual([1, 2, 3, 4, 5]);
    expect(writer.pending).toBe(false);
  });

  it('logs a failed write once, keeps the job going, and writes again later', async () => {
    const storage = new InMemoryCheckpointStorage();
    const timer = new ManualTimer(0);
    const warnings: string[] = [];
    const logger = { ...silent, warn: (_: object, msg?: string) => void warnings.push(msg ?? '') };
    let down = true;
    const write = storage.writeJobRecord.bind(storage);
    storage.writeJobRecord = async (name, bytes) => (down ? Promise.reject(new Error('disk full')) : write(name, bytes));
    const history = new CheckpointHistory('gen');
    await persistCheckpointHistory(history, storage, { logger, clock: timer, timer });
    history.startRun(start());
    await timer.advance(5_000);
    expect(warnings).toEqual(['writing the checkpoint history failed; retrying with the next change']);
    down = false;
    await timer.advance(1_000);
    expect(decodeCheckpointHistory((await storage.readJobRecord(CHECKPOINT_HISTORY_RECORD))!)?.runs).toHaveLength(1);
  });

  it('writes the end of the run when closed, and waits no longer than told for storage that hangs', async () => {
    const storage = new InMemoryCheckpointStorage();
    const history = new CheckpointHistory('gen');
    const writer = (await persistCheckpointHistory(history, storage, { logger: silent }))!;
    history.startRun(start());
    history.endRun('cancelled', 9_000);
    await writer.close(1_000);
    const saved = decodeCheckpointHistory((await storage.readJobRecord(CHECKPOINT_HISTORY_RECORD))!)!;
    expect(saved.runs[0]).toMatchObject({ outcome: 'cancelled', endedAt: 9_000 });

    const hanging = new InMemoryCheckpointStorage();
    hanging.writeJobRecord = () => new Promise(() => {});
    const other = new CheckpointHistory('gen');
    const stuck = (await persistCheckpointHistory(other, hanging, { logger: silent }))!;
    other.startRun(start());
    const began = Date.now();
    await stuck.close(50);
    expect(Date.now() - began).toBeLessThan(5_000);
  });

  it('keeps the history in memory only when the existing record cannot be read, rather than overwrite it', async () => {
    const storage = new InMemoryCheckpointStorage();
    storage.readJobRecord = () => Promise.reject(new Error('connection refused'));
    const history = new CheckpointHistory('gen');
    expect(await persistCheckpointHistory(history, storage, { logger: silent })).toBeUndefined();
  });

  it('stops writing once the job lease is lost', async () => {
    const storage = new InMemoryCheckpointStorage();
    const timer = new ManualTimer(0);
    const history = new CheckpointHistory('gen');
    const checkLease = () => Promise.reject(new Error('lease lost'));
    await persistCheckpointHistory(history, storage, { logger: silent, clock: timer, timer, checkLease });
    history.startRun(start());
    await timer.advance(5_000);
    expect(await storage.readJobRecord(CHECKPOINT_HISTORY_RECORD)).toBeUndefined();
    expect(timer.pendingTimers).toBe(0);
  });
});

function clean<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}
