import type { ReplayTargetKind } from '@weir/redis';
import { parseArgs } from '../args/parse-args.ts';
import { UsageError } from '../errors.ts';
import { FILTER_OPTIONS, FILTER_USAGE, describeFilter, parseFilter } from '../dlq/filter-options.ts';
import { formatSummary } from '../dlq/format-summary.ts';
import { withRedis, type RedisClient } from '../dlq/redis-url.ts';
import { summarizeDeadLetters } from '../dlq/summary.ts';
import { formatCount } from '../progress/format.ts';
import type { Command } from './command.ts';
import { weirRedis } from '../weir-redis.ts';

const OPTIONS = {
  ...FILTER_OPTIONS,
  to: { type: 'string' },
  'to-type': { type: 'choice', choices: ['list', 'stream'] },
  field: { type: 'string' },
  limit: { type: 'integer', min: 1 },
  'dry-run': { type: 'flag' },
  chunk: { type: 'integer', min: 1, max: 5000 },
  samples: { type: 'integer', min: 0, max: 1000 },
} as const;

export const dlqReplayCommand: Command = {
  name: 'dlq replay',
  summary: 'move dead letters back to a queue or stream, each exactly once',
  usage: `usage: weir dlq replay REDIS_URL KEY --to TARGET [options]

Moves the letters of the dead-letter list KEY back to TARGET, a list used as a queue (LPUSH, as
producers push: the oldest letter is taken first) or a stream (XADD, the payload in field 'value'),
in the same Redis. Each payload goes back as its producer wrote it: a source's letter as the raw
input (base64 decoded back to bytes), an operator's letter as its record encoded like the letter
(JSON text, or msgpack).

Each letter is moved exactly once, even if the replay is killed and run again: one Lua script
removes a chunk of letters from KEY and writes their payloads to TARGET in one atomic step, so a
letter is either still in KEY or already in TARGET, never both. Run it again after an
interruption; it moves what is left. Letters the filter does not select stay, in order.
  --to TARGET            the queue (list) or stream to move the letters to (required)
  --to-type TYPE         list or stream; needed only when TARGET does not exist yet
  --field NAME           stream field for the payload (default value, what redisStreamSource reads)
  --limit N              move at most N letters (the oldest selected)
  --dry-run              show what would move, change nothing
  --chunk N              letters per Lua call (default 200; each call holds Redis for its length)
  --samples N            letters a dry run shows in full (default 3)
${FILTER_USAGE}`,
  async run(args) {
    const { positionals, options } = parseArgs(args, OPTIONS, ['REDIS_URL', 'KEY']);
    const [url, key] = positionals;
    const target = options.to;
    if (target === undefined) throw new UsageError('missing --to TARGET: the queue or stream to move the letters to');
    if (target === key) throw new UsageError(`--to ${target} is the dead-letter list itself`);
    const processing = /^(.*):processing(?::[^:]+)?:\d+$/.exec(target);
    if (processing !== null) {
      throw new UsageError(`--to ${target} is a list source's processing list (its offsets are checkpointed): replay to the queue producers push to, --to ${processing[1]}`);
    }
    const filter = parseFilter(options);
    return withRedis(url, async ({ client }) => {
      const { checkDeadLetterList, replayDeadLetters } = await weirRedis();
      await checkDeadLetterList(client, key);
      const kind = await targetKind(client, target, options['to-type'] as ReplayTargetKind | undefined);
      const where = `${target} (${kind}${kind === 'stream' ? `, field ${options.field ?? 'value'}` : ''})`;
      if (options['dry-run'] === true) {
        const summary = await summarizeDeadLetters(client, key, filter, options.samples ?? 3);
        const moving = Math.min(summary.matched, options.limit ?? Infinity);
        process.stdout.write(`dry run: would move ${formatCount(moving)} of ${formatCount(summary.length)} elements of ${key} to ${where}; nothing was changed\n\n`);
        process.stdout.write(`${formatSummary(summary, Date.now(), describeFilter(filter))}\n`);
        return 0;
      }
      const progress = process.stderr.isTTY ? (moved: number) => void process.stderr.write(`\rweir: moved ${formatCount(moved)} letters…`) : undefined;
      const outcome = await replayDeadLetters(client, {
        deadLetterList: key,
        target,
        targetKind: kind,
        field: options.field,
        filter,
        limit: options.limit,
        chunkSize: options.chunk,
        onProgress: progress,
      });
      if (progress !== undefined) process.stderr.write('\n');
      const unreadable = outcome.unreadable === 0 ? '' : ` (${formatCount(outcome.unreadable)} of them not letters Weir wrote)`;
      process.stdout.write(`moved ${formatCount(outcome.moved)} letters from ${key} to ${where}; ${formatCount(outcome.left)} left in ${key}${unreadable}\n`);
      return 0;
    });
  },
};

/** The target's kind: as asked, checked against what the key holds; or what it holds. */
async function targetKind(client: RedisClient, target: string, asked: ReplayTargetKind | undefined): Promise<ReplayTargetKind> {
  const type = await client.type(target);
  if (type === 'none') {
    if (asked === undefined) throw new UsageError(`${target} does not exist yet: add --to-type list or --to-type stream`);
    return asked;
  }
  if (type !== 'list' && type !== 'stream') throw new UsageError(`--to ${target} is a ${type}: letters go back to a list or a stream`);
  if (asked !== undefined && asked !== type) throw new UsageError(`--to-type ${asked}, but ${target} is a ${type}`);
  return type;
}
