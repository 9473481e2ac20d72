import { describe, expect, it } from 'vitest';
import { formatLogLine } from './human-log.ts';

describe('human log lines', () => {
  it('keeps the message, scalar fields and the error message', () => {
    const line = JSON.stringify({ level: 40, time: 0, pid: 1, hostname: 'h', name: 'weir', job: 'gen', checkpointId: 7, tasks: ['a'], msg: 'checkpoint is damaged', err: { message: 'checksum mismatch\nstack' } });
    expect(formatLogLine(line)).toMatch(/^\d\d:\d\d:\d\d WARN  checkpoint is damaged {2}checkpointId=7 error: checksum mismatch$/);
  });

  it('hides routine checkpoint lines when asked, never warnings', () => {
    const info = JSON.stringify({ level: 30, time: 0, component: 'checkpoint', msg: 'checkpoint completed' });
    const warn = JSON.stringify({ level: 40, time: 0, component: 'checkpoint', msg: 'checkpoint aborted' });
    expect(formatLogLine(info, true)).toBeUndefined();
    expect(formatLogLine(info, false)).toContain('checkpoint completed');
    expect(formatLogLine(warn, true)).toContain('checkpoint aborted');
  });
});
