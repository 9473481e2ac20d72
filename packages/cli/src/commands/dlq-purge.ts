import { parseArgs } from '../args/parse-args.ts';
import { CliError } from '../errors.ts';
import { FILTER_OPTIONS, FILTER_USAGE, describeFilter, parseFilter } from '../dlq/filter-options.ts';
import { formatSummary } from '../dlq/format-summary.ts';
import { withRedis } from '../dlq/redis-url.ts';
import { summarizeDeadLetters } from '../dlq/summary.ts';
import { formatCount } from '../progress/format.ts';
import type { Command } from './command.ts';
import { weirRedis } from '../weir-redis.ts';

const OPTIONS = {
  ...FILTER_OPTIONS,
  limit: { type: 'integer', min: 1 },
  'dry-run': { type: 'flag' },
  yes: { type: 'flag' },
  samples: { type: 'integer', min: 0, max: 1000 },
} as const;

export const dlqPurgeCommand: Command = {
  name: 'dlq purge',
  summary: 'delete dead letters (all, or those a filter selects)',
  usage: `usage: weir dlq purge REDIS_URL KEY (--yes | --dry-run) [options]

Deletes letters from the dead-letter list KEY: all of its elements, or with a filter only the letters
it selects. Without --yes it deletes nothing: it shows what it would delete and exits with 2.
A purge deletes only the elements it read and selected (found again by their exact bytes), never a
letter written meanwhile. The bookkeeping keys beside the list (KEY:positions, KEY:batches, KEY:replayed) are kept:
a restoring job relies on them not to write a letter twice.
  --yes                  delete
  --dry-run              show what would be deleted, change nothing
  --limit N              delete at most N (the oldest selected)
  --samples N            letters shown in full before deleting or in a dry run (default 3)
${FILTER_USAGE}`,
  async run(args) {
    const { positionals, options } = parseArgs(args, OPTIONS, ['REDIS_URL', 'KEY']);
    const [url, key] = positionals;
    const filter = parseFilter(options);
    const dryRun = options['dry-run'] === true;
    if (dryRun && options.yes === true) throw new CliError("--dry-run and --yes conflict: a dry run deletes nothing (see 'weir dlq purge --help')", 2);
    return withRedis(url, async ({ client }) => {
      const { checkDeadLetterList, isFiltering, purgeDeadLetters } = await weirRedis();
      await checkDeadLetterList(client, key);
      if (dryRun || options.yes !== true) {
        const summary = await summarizeDeadLetters(client, key, filter, options.samples ?? 3);
        const selected = isFiltering(filter) ? summary.matched : summary.length;
        const deleting = Math.min(selected, options.limit ?? Infinity);
        const what = isFiltering(filter) ? describeFilter(filter) : 'every element';
        process.stdout.write(`${dryRun ? 'dry run: would delete' : 'would delete'} ${formatCount(deleting)} of ${formatCount(summary.length)} elements of ${key} (${what})${dryRun ? '; nothing was changed' : ''}\n\n`);
        process.stdout.write(`${formatSummary(summary, Date.now(), isFiltering(filter) ? describeFilter(filter) : 'letters')}\n`);
        if (dryRun) return 0;
        throw new CliError(`nothing deleted: add --yes to delete these ${formatCount(deleting)} elements of ${key} (or --dry-run to only look)`, 2);
      }
      const outcome = await purgeDeadLetters(client, { deadLetterList: key, filter, limit: options.limit });
      process.stdout.write(`deleted ${formatCount(outcome.deleted)} elements of ${key}; ${formatCount(outcome.left)} left\n`);
      return 0;
    });
  },
};
