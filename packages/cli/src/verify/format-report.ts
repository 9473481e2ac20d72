import { formatCount, formatDuration } from '../progress/format.ts';
import { outputsMatch, type RecordDifference } from './compare-output.ts';
import { completedText, type VerifyReport } from './verify-job.ts';

/** The report for people: the seed, the runs, the kills, and the verdict with the differing records. */
export function formatReport(r: VerifyReport, file: string, show: number): string {
  const c = r.comparison;
  const lines: string[] = [];
  lines.push(`weir verify ${file}: seed ${r.seed} (repeat the kill points with --seed ${r.seed})`);
  const ref = r.reference;
  lines.push(
    `uninterrupted run: finished in ${formatDuration(ref.durationMs)} (start-up ${formatDuration(ref.startupMs)}), ` +
      `${ref.checkpointsCompleted} checkpoint${ref.checkpointsCompleted === 1 ? '' : 's'}, ${formatCount(c.expectedRecords)} records committed`,
  );
  const ending = r.finishedEarly ? `the job finished before kill ${r.kills.length + 1} could land` : 'then ran to the end';
  lines.push(`killed run: ${r.kills.length} of ${r.killsRequested} kills (SIGKILL), ${ending}; ${r.restoredStarts} restart${r.restoredStarts === 1 ? '' : 's'} restored a checkpoint`);
  r.kills.forEach((k, i) => lines.push(`  kill ${i + 1}  ${k.description}${k.restored ? ', after restoring a checkpoint' : ''}, ${completedText(k.checkpointsCompleted)}`));
  lines.push(`compared: ${r.output}`);
  if (ref.checkpointsCompleted < 2) {
    lines.push('note: the uninterrupted run completed fewer than 2 checkpoints, so most kills restart from nothing; pass --checkpoint-interval MS well below its length');
  }
  if (outputsMatch(c)) {
    lines.push(`PASS: the killed run committed the same ${formatCount(c.expectedRecords)} records as the uninterrupted run, each as often`);
    return lines.join('\n');
  }
  const sum = (ds: readonly RecordDifference[], f: (d: RecordDifference) => number): number => ds.reduce((n, d) => n + f(d), 0);
  const doubledCopies = sum(c.doubled, (d) => d.actual - d.expected);
  const lostCopies = sum(c.lost, (d) => d.expected - d.actual);
  const unexpectedCopies = sum(c.unexpected, (d) => d.actual);
  lines.push(
    `FAIL: ${formatCount(doubledCopies)} records doubled, ${formatCount(lostCopies)} lost, ${formatCount(unexpectedCopies)} never written by the uninterrupted run ` +
      `(killed run ${formatCount(c.actualRecords)} records, uninterrupted ${formatCount(c.expectedRecords)})`,
  );
  section(lines, 'doubled (the killed run wrote them more often)', c.doubled, show, (d) => `+ ${d.record}  ×${d.actual}, uninterrupted ×${d.expected}`);
  section(lines, 'lost (the killed run wrote them less often)', c.lost, show, (d) => `- ${d.record}  ×${d.actual}, uninterrupted ×${d.expected}`);
  section(lines, 'only in the killed run (is the job deterministic?)', c.unexpected, show, (d) => `? ${d.record}  ×${d.actual}`);
  lines.push(`runs kept in ${r.workDir}`);
  return lines.join('\n');
}

function section(lines: string[], title: string, ds: readonly RecordDifference[], show: number, line: (d: RecordDifference) => string): void {
  if (ds.length === 0) return;
  lines.push(`${title}: ${formatCount(ds.length)} distinct record${ds.length === 1 ? '' : 's'}`);
  for (const d of ds.slice(0, show)) lines.push(`  ${line(d)}`);
  if (ds.length > show) lines.push(`  … and ${formatCount(ds.length - show)} more (--show N, or --json for all)`);
}
