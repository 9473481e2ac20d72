import { describe, expect, it } from 'vitest';
import { CheckpointStatsTracker, type CheckpointStats } from './stats.ts';

const metrics = (stateSize: number) => ({ alignmentMs: 1, syncMs: 2, asyncMs: 3, stateSize });

describe('CheckpointStatsTracker', () => {
  it('tracks a checkpoint from trigger to completion with its subtasks', () => {
    const tracker = new CheckpointStatsTracker();
    tracker.reportTriggered(1, 'checkpoint', 1_000);
    tracker.reportAcknowledged(1, 'v1#0', metrics(10), 1_040);
    expect(tracker.snapshot().history[0]).toMatchObject({ status: 'in-progress', durationMs: 40, stateSize: 10 });
    tracker.reportAcknowledged(1, 'v2#0', metrics(5), 1_050);
    tracker.reportCompleted(1, 1_070);
    const snapshot = tracker.snapshot();
    expect(snapshot.counts).toEqual({ completed: 1, failed: 0, inProgress: 0 });
    expect(snapshot.latestCompleted).toEqual({
      checkpointId: 1,
      kind: 'checkpoint',
      status: 'completed',
      triggeredAt: 1_000,
      durationMs: 70,
      stateSize: 15,
      subtasks: [
        { taskKey: 'v1#0', alignmentMs: 1, syncMs: 2, asyncMs: 3, stateSize: 10, ackDelayMs: 40 },
        { taskKey: 'v2#0', alignmentMs: 1, syncMs: 2, asyncMs: 3, stateSize: 5, ackDelayMs: 50 },
      ],
    });
  });

  it('records the failure reason of a failed checkpoint', () => {
    const tracker = new CheckpointStatsTracker();
    tracker.reportTriggered(1, 'savepoint', 0);
    tracker.reportFailed(1, 600, 'expired');
    expect(tracker.snapshot()).toMatchObject({
      counts: { completed: 0, failed: 1, inProgress: 0 },
      latestCompleted: null,
      history: [{ checkpointId: 1, kind: 'savepoint', status: 'failed', failureReason: 'expired', durationMs: 600 }],
    });
  });

  it('keeps the last N checkpoints, newest first, and the latest completed even once it left the history', () => {
    const tracker = new CheckpointStatsTracker(3);
    tracker.reportTriggered(1, 'checkpoint', 0);
    tracker.reportCompleted(1, 10);
    for (let id = 2; id <= 5; id++) {
      tracker.reportTriggered(id, 'checkpoint', id * 100);
      tracker.reportFailed(id, id * 100 + 1, 'declined-by-task');
    }
    tracker.reportTriggered(6, 'checkpoint', 600);
    const snapshot = tracker.snapshot();
    expect(snapshot.history.map((s) => s.checkpointId)).toEqual([6, 5, 4]);
    expect(snapshot.counts).toEqual({ completed: 1, failed: 4, inProgress: 1 });
    expect(snapshot.latestCompleted?.checkpointId).toBe(1);
  });

  it('ends a checkpoint once: a report after it ended changes nothing', () => {
    const tracker = new CheckpointStatsTracker();
    tracker.reportTriggered(1, 'checkpoint', 0);
    tracker.reportFailed(1, 5, 'expired');
    tracker.reportCompleted(1, 6);
    tracker.reportAcknowledged(1, 'v1#0', metrics(1), 7);
    expect(tracker.snapshot()).toMatchObject({ counts: { completed: 0, failed: 1 }, history: [{ status: 'failed', stateSize: 0 }] });
  });

  it('returns plain data that survives JSON and does not alias the tracker', () => {
    const tracker = new CheckpointStatsTracker();
    tracker.reportTriggered(1, 'checkpoint', 0);
    tracker.reportAcknowledged(1, 'v1#0', metrics(3), 1);
    tracker.reportCompleted(1, 2);
    const snapshot = tracker.snapshot();
    expect(JSON.parse(JSON.stringify(snapshot))).toEqual(snapshot);
    (snapshot.history[0].subtasks as unknown[]).length = 0;
    expect(tracker.snapshot().history[0].subtasks).toHaveLength(1);
  });

  it('hands every checkpoint that ends to its listeners, once, as a copy', () => {
    const tracker = new CheckpointStatsTracker();
    const ended: CheckpointStats[] = [];
    const stop = tracker.onEnded((s) => ended.push(s));
    tracker.onEnded(() => {
      throw new Error('a listener that throws changes nothing');
    });
    tracker.reportTriggered(1, 'checkpoint', 0);
    tracker.reportAcknowledged(1, 'v0#0', metrics(3), 4);
    tracker.reportCompleted(1, 5);
    tracker.reportCompleted(1, 6);
    tracker.reportTriggered(2, 'savepoint', 10);
    tracker.reportFailed(2, 30, 'expired');
    stop();
    tracker.reportTriggered(3, 'checkpoint', 40);
    tracker.reportFailed(3, 41, 'expired');
    expect(ended.map((s) => [s.checkpointId, s.status, s.durationMs])).toEqual([
      [1, 'completed', 5],
      [2, 'failed', 20],
    ]);
    (ended[0].subtasks as unknown[]).length = 0;
    expect(tracker.snapshot().latestCompleted?.subtasks).toHaveLength(1);
  });

  it('still ends a checkpoint in progress that has left the last N', () => {
    const tracker = new CheckpointStatsTracker(1);
    tracker.reportTriggered(1, 'checkpoint', 0);
    tracker.reportTriggered(2, 'checkpoint', 1);
    tracker.reportAcknowledged(1, 'v0#0', metrics(7), 2);
    tracker.reportCompleted(1, 3);
    expect(tracker.snapshot()).toMatchObject({ counts: { completed: 1, inProgress: 1 }, latestCompleted: { checkpointId: 1, stateSize: 7 } });
  });

  it('refuses a history size below 1', () => {
    expect(() => new CheckpointStatsTracker(0)).toThrow(RangeError);
  });
});
