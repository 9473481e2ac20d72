/** One record of committed output: how it is compared (`identity`) and how it is shown. */
export interface OutputRecord {
  readonly identity: string;
  readonly display: string;
}

/** A record written a different number of times by the two runs. */
export interface RecordDifference {
  readonly record: string;
  /** Copies in the uninterrupted reference run. */
  readonly expected: number;
  /** Copies in the run that was killed. */
  readonly actual: number;
}

/** The outcome of comparing the committed output of the two runs as multisets of records. */
export interface OutputComparison {
  readonly expectedRecords: number;
  readonly actualRecords: number;
  /** Records with fewer copies after the kills than in the reference (lost). */
  readonly lost: readonly RecordDifference[];
  /** Records with more copies after the kills than in the reference, which wrote them at least once (doubled). */
  readonly doubled: readonly RecordDifference[];
  /** Records only the killed run wrote: the job is not deterministic, or a record came out changed. */
  readonly unexpected: readonly RecordDifference[];
}

/**
 * Compares two outputs as multisets: order does not matter (parallel subtasks and part files
 * interleave freely), multiplicity does. A record the reference wrote n times must appear n times
 * after the kills: fewer is a loss, more a duplicate.
 */
export function compareOutput(expected: Iterable<OutputRecord>, actual: Iterable<OutputRecord>): OutputComparison {
  const counts = new Map<string, { display: string; expected: number; actual: number }>();
  let expectedRecords = 0;
  let actualRecords = 0;
  for (const r of expected) {
    expectedRecords++;
    const c = counts.get(r.identity);
    if (c === undefined) counts.set(r.identity, { display: r.display, expected: 1, actual: 0 });
    else c.expected++;
  }
  for (const r of actual) {
    actualRecords++;
    const c = counts.get(r.identity);
    if (c === undefined) counts.set(r.identity, { display: r.display, expected: 0, actual: 1 });
    else c.actual++;
  }
  const lost: RecordDifference[] = [];
  const doubled: RecordDifference[] = [];
  const unexpected: RecordDifference[] = [];
  for (const { display, expected: e, actual: a } of counts.values()) {
    if (a === e) continue;
    const d = { record: display, expected: e, actual: a };
    if (a < e) lost.push(d);
    else if (e === 0) unexpected.push(d);
    else doubled.push(d);
  }
  const byRecord = (x: RecordDifference, y: RecordDifference): number => (x.record < y.record ? -1 : x.record > y.record ? 1 : 0);
  return { expectedRecords, actualRecords, lost: lost.sort(byRecord), doubled: doubled.sort(byRecord), unexpected: unexpected.sort(byRecord) };
}

/** Whether the two outputs hold the same records, each as often. */
export function outputsMatch(c: OutputComparison): boolean {
  return c.lost.length === 0 && c.doubled.length === 0 && c.unexpected.length === 0;
}
