/**
 * Page views per page, counted exactly once through crashes: 60 000 views arrive at 2 000 per
 * second (half a minute), a running count per page is kept in keyed state, and every count goes
 * to part files in ./out/page-views that appear when a checkpoint completes. Kill the process at
 * any moment, run it again, and the output is that of an uninterrupted run.
 *
 *   npx weir run examples/page-views.ts          # checkpoints in ./checkpoints/page-views
 *   kill -9 <pid>                                 # from another terminal, at any moment
 *   npx weir run examples/page-views.ts          # resumes from the latest checkpoint
 */
import { fileSink, generatorSource, type StreamEnvironment } from '@weir/core';

const PAGES = ['/', '/pricing', '/docs', '/docs/checkpoints', '/blog', '/about'];

interface PageViews {
  readonly page: string;
  /** Views of this page so far, this one included. */
  readonly views: number;
  /** Index of the view that brought the count here. */
  readonly view: number;
}

export default function job(env: StreamEnvironment): void {
  env.setParallelism(2);
  env.enableCheckpointing(1000, { storage: './checkpoints' });
  env
    .fromSource(generatorSource({ count: 60_000, ratePerSecond: 2000, generate: (i) => ({ page: PAGES[i % PAGES.length], view: i }) }))
    .name('views')
    .uid('views')
    .map((v): PageViews => ({ page: v.page, views: 1, view: v.view }))
    .keyBy((v) => v.page)
    .reduce((a, b) => ({ page: a.page, views: a.views + b.views, view: b.view }))
    .name('count per page')
    .uid('views-per-page')
    .sinkTo(fileSink<PageViews>({ directory: './out/page-views' }))
    .uid('page-views-files');
}
