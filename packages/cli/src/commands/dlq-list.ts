import { parseArgs } from '../args/parse-args.ts';
import { FILTER_OPTIONS, FILTER_USAGE, parseFilter } from '../dlq/filter-options.ts';
import { formatBookkeeping, formatSummary } from '../dlq/format-summary.ts';
import { withRedis } from '../dlq/redis-url.ts';
import { summarizeDeadLetters } from '../dlq/summary.ts';
import type { Command } from './command.ts';
import { weirRedis } from '../weir-redis.ts';

const OPTIONS = { ...FILTER_OPTIONS, json: { type: 'flag' }, samples: { type: 'integer', min: 0, max: 1000 } } as const;

export const dlqListCommand: Command = {
  name: 'dlq list',
  summary: 'sum up a dead-letter list: count, reasons, oldest and newest, samples',
  usage: `usage: weir dlq list REDIS_URL KEY [options]

Reads the dead-letter list KEY (a source's <stream or list>:dead, or the key of a
redisDeadLetterQueue) and prints how many letters it holds, their reasons grouped (numbers shown as
N), operators and sources, the oldest and newest, and the first few letters. Changes nothing.
REDIS_URL is redis://[user:password@]host:port[/db] (rediss:// for TLS).
  --samples N            letters shown in full (default 3)
  --json                 one JSON object instead: { key, length, letters, matched, unreadable, formats,
                         oldest, newest, reasons: [{ value, count, example }], operators, sources,
                         samples: [{ index, time, operator, error, attempts, source, position, format,
                         payload, payloadEncoding? }], bookkeeping }
${FILTER_USAGE}`,
  async run(args) {
    const { positionals, options } = parseArgs(args, OPTIONS, ['REDIS_URL', 'KEY']);
    const [url, key] = positionals;
    const filter = parseFilter(options);
    return withRedis(url, async ({ client }) => {
      const { checkDeadLetterList, readBookkeeping } = await weirRedis();
      await checkDeadLetterList(client, key);
      const summary = await summarizeDeadLetters(client, key, filter, options.samples ?? 3);
      const bookkeeping = await readBookkeeping(client, key);
      if (options.json === true) {
        process.stdout.write(`${JSON.stringify({ ...summary, bookkeeping }, null, 2)}\n`);
      } else {
        process.stdout.write(`${formatSummary(summary)}\n\n${formatBookkeeping(bookkeeping)}\n`);
      }
      return 0;
    });
  },
};
