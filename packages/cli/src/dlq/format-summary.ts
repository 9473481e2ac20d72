import type { DeadLetterBookkeeping } from '@weir/redis';
import { formatCount, formatDuration, formatTable } from '../progress/format.ts';
import type { Group, LetterSample, LetterSummary } from './summary.ts';

/** How many reasons, operators and sources the text shows before `… and N more`. */
const TOP = 10;

/** The summary as text for people: counts, time range, reasons, operators, sources, samples. */
export function formatSummary(s: LetterSummary, now = Date.now(), what = 'letters'): string {
  const lines: string[] = [];
  const formats = [s.formats.json > 0 && 'json', s.formats.msgpack > 0 && 'msgpack'].filter(Boolean).join(' and ');
  lines.push(`${s.key}: ${formatCount(s.matched)} ${what}${formats === '' ? '' : ` (${formats})`}` + (s.matched === s.letters ? '' : ` of ${formatCount(s.letters)} letters`));
  if (s.unreadable > 0) {
    lines.push(`  ${formatCount(s.unreadable)} ${s.unreadable === 1 ? 'element is not a letter' : 'elements are not letters'} Weir wrote (replay leaves ${s.unreadable === 1 ? 'it' : 'them'} alone)`);
  }
  if (s.oldest !== null && s.newest !== null) {
    lines.push(`  oldest ${when(s.oldest, now)}`);
    lines.push(`  newest ${when(s.newest, now)}`);
  }
  if (s.matched === 0) return lines.join('\n');
  lines.push('', 'reasons (numbers shown as N):', indent(groupTable(s.reasons, 'REASON')));
  lines.push('', 'operators:', indent(groupTable(s.operators, 'OPERATOR')));
  lines.push('', 'sources:', indent(groupTable(s.sources, 'SOURCE')));
  if (s.samples.length > 0) {
    lines.push('', `samples (the first ${s.samples.length}):`);
    for (const sample of s.samples) lines.push(indent(formatSample(sample)));
  }
  return lines.join('\n');
}

/** The bookkeeping keys beside the list, one line each when they hold anything. */
export function formatBookkeeping(b: DeadLetterBookkeeping): string {
  const lines = ['bookkeeping (kept by replay and purge):'];
  lines.push(`  ${b.positions.key}: ${b.positions.streams} stream${b.positions.streams === 1 ? '' : 's'} (last dead-lettered entry per stream: source letters are written once)`);
  lines.push(`  ${b.batches.key}: ${formatCount(b.batches.count)} batch marker${b.batches.count === 1 ? '' : 's'} (operator letters are written once per checkpoint)`);
  const replayed = Object.entries(b.replayed.byTarget);
  if (replayed.length > 0) lines.push(`  ${b.replayed.key}: ${replayed.map(([t, n]) => `${formatCount(n)} replayed to ${t}`).join(', ')}`);
  return lines.join('\n');
}

function when(time: number, now: number): string {
  const age = now - time;
  return `${new Date(time).toISOString()} (${age >= 0 ? `${formatDuration(age)} ago` : 'in the future'})`;
}

function groupTable(groups: readonly Group[], title: string): string {
  const rows = [['COUNT', title], ...groups.slice(0, TOP).map((g) => [formatCount(g.count), g.value])];
  const table = formatTable(rows.map(([count, value]) => [count.padStart(Math.max(...rows.map((r) => r[0].length))), value]));
  const more = groups.length - TOP;
  return more > 0 ? `${table}\n… and ${more} more` : table;
}

function formatSample(s: LetterSample): string {
  const where = s.source === null ? '' : `  ${s.source}@${s.position ?? '?'}`;
  const payload = typeof s.payload === 'string' && s.payloadEncoding === undefined ? s.payload : JSON.stringify(s.payload);
  const shown = payload.length > 200 ? `${payload.slice(0, 199)}…` : payload;
  return [
    `#${s.index}  ${new Date(s.time).toISOString()}  ${s.operator}  attempts ${s.attempts}${where}`,
    `    error    ${s.error.split('\n', 1)[0]}`,
    `    payload  ${shown}${s.payloadEncoding === 'base64' ? ' (base64)' : ''}`,
  ].join('\n');
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((l) => `  ${l}`)
    .join('\n');
}
