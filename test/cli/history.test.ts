import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { CheckpointHistoryRecord, CheckpointHistorySnapshot } from '@weir/core';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { tempDirs } from '../support/temp-dirs.ts';
import { eventually, startObserved, stop, type ObservedRun } from './metrics-support.ts';
import { runWeir } from './support/weir-cli.ts';

const dirs = tempDirs('weir-history-');
afterAll(() => dirs.cleanup());

const running: ObservedRun[] = [];
afterEach(() => {
  for (const r of running.splice(0)) r.run.kill('SIGKILL');
});

async function persisted(jobDir: string): Promise<CheckpointHistoryRecord | undefined> {
  try {
    return JSON.parse(await readFile(join(jobDir, '_checkpoint-history.json'), 'utf8')) as CheckpointHistoryRecord;
  } catch {
    return undefined;
  }
}

describe('weir checkpoints history', () => {
  it('shows the checkpoints, failures and runs of a job across a restart, a SIGKILL and the next run', async () => {
    const root = await dirs.make();
    const checkpointDir = join(root, 'ck');
    const jobDir = join(checkpointDir, 'hist');
    const env = { COUNT: '1000000', RATE: '3000', FAIL_AT: '1500', FAIL_MARKER: join(root, 'failed-once') };

    // Run 1 fails once, restarts from a checkpoint, checkpoints again, and is killed.
    const first = await startObserved({ jobName: 'hist', checkpointDir, env });
    running.push(first);
    const beforeKill = await eventually('run 1 checkpointing after its restart', async () => {
      const h = await persisted(jobDir);
      const failure = h?.failures.at(-1);
      if (failure?.restoredCheckpointId === undefined) return undefined;
      const after = h!.checkpoints.filter((c) => c.status === 'completed' && c.triggeredAt > failure.time);
      return after.length >= 2 ? h : undefined;
    });
    first.run.kill('SIGKILL');
    await first.run.exited;
    expect(beforeKill.runs.map((r) => [r.run, r.outcome])).toEqual([[1, undefined]]);

    // Run 2 resumes: the history it serves already has run 1, marked as killed.
    const second = await startObserved({ jobName: 'hist', checkpointDir, env });
    running.push(second);
    const served = await eventually('run 2 checkpointing', async () => {
      const res = await fetch(`${second.url}/checkpoints/history`);
      const h = (await res.json()) as CheckpointHistorySnapshot;
      return h.checkpoints.some((c) => c.run === 2 && c.status === 'completed') ? h : undefined;
    });
    expect(served.run).toBe(2);
    expect(served.runs.map((r) => [r.run, r.outcome])).toEqual([
      [2, undefined],
      [1, 'lost'],
    ]);
    expect(served.checkpoints[0]).not.toHaveProperty('subtasks');
    const latest = served.checkpoints.find((c) => c.run === 2 && c.status === 'completed')!;
    const one = (await (await fetch(`${second.url}/checkpoints/history/${latest.checkpointId}?run=2`)).json()) as { checkpoint: { subtasks: unknown[] } };
    expect(one.checkpoint.subtasks).toHaveLength(4);
    expect(await stop(second)).toBe(0);

    const json = await runWeir(['checkpoints', 'history', jobDir, '--json']);
    expect(json.code, json.stderr).toBe(0);
    const record = JSON.parse(json.stdout) as CheckpointHistoryRecord;
    expect(record.runs.map((r) => [r.run, r.outcome])).toEqual([
      [1, 'lost'],
      [2, 'cancelled'],
    ]);
    const [run1, run2] = record.runs;
    expect(run1.restoredCheckpointId).toBeNull();
    // Run 2 restored a checkpoint run 1 completed (at least as new as the last one it had written down).
    const run1Completed = record.checkpoints.filter((c) => c.run === 1 && c.status === 'completed').map((c) => c.checkpointId);
    const lastBeforeKill = beforeKill.checkpoints.filter((c) => c.status === 'completed').at(-1)!.checkpointId;
    expect(run2.restoredCheckpointId).toBeGreaterThanOrEqual(lastBeforeKill);
    expect(run1Completed).toContain(lastBeforeKill);
    expect(Math.min(...record.checkpoints.filter((c) => c.run === 2).map((c) => c.checkpointId))).toBeGreaterThan(run2.restoredCheckpointId!);
    expect(record.failures).toHaveLength(1);
    expect(record.failures[0]).toMatchObject({ run: 1, operator: 'check', operatorUid: 'check', phase: 'processElement' });
    expect(record.failures[0].message).toMatch(/subtask \d\/2 failed in processElement: record 1500 failed on purpose$/);
    expect(typeof record.failures[0].restoredCheckpointId === 'number' || record.failures[0].restoredCheckpointId === null).toBe(true);
    for (const c of record.checkpoints.filter((e) => e.status === 'completed')) {
      expect(c.acknowledged).toBe(4);
      expect(c.lastAcknowledged?.taskKey).toMatch(/^v[01]#[01]$/);
      expect(c.alignmentMs).toBeGreaterThanOrEqual(0);
    }

    const text = await runWeir(['checkpoints', 'history', jobDir]);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/job 'hist', 2 runs, \d+ checkpoints/);
    expect(text.stdout).toMatch(/killed or crashed/);
    expect(text.stdout).toMatch(/cancelled/);
    expect(text.stdout).toMatch(/run 1: operator 'check' \(uid 'check'\) subtask \d\/2 failed in processElement: record 1500 failed on purpose; restarted from (checkpoint \d+|the beginning)/);

    const detail = await runWeir(['checkpoints', 'history', checkpointDir, '--checkpoint', String(latest.checkpointId), '--run', '2']);
    expect(detail.code, detail.stderr).toBe(0);
    expect(detail.stdout).toMatch(new RegExp(`checkpoint ${latest.checkpointId} of run 2: completed`));
    expect(detail.stdout).toMatch(/last to acknowledge: v[01]#[01] \(/);
    expect(detail.stdout.split('\n').filter((l) => /^v[01]#[01] /.test(l))).toHaveLength(4);
  });

  it('says what to do when a directory holds no history', async () => {
    const empty = await dirs.make();
    const r = await runWeir(['checkpoints', 'history', empty]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/no checkpoint history in/);
  });
});
