import type { JobClient } from '@weir/core';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { HistoryCursor, currentSamples, type JobReading, type Sample } from './job-reading.ts';
import { METRICS, type MetricDefinition, type MetricKey } from './metric-names.ts';

/** Counters that grow by what happened since the previous reading, never set from a current value. */
const ADDED: ReadonlySet<MetricKey> = new Set<MetricKey>(['jobFailures', 'checkpointFailures']);

type AnyMetric = Counter<string> | Gauge<string> | Histogram<string>;

/**
 * The job's metrics in the Prometheus text format (prom-client, one registry per `weir run`):
 * every {@link METRICS} entry and prom-client's default process metrics. The job is read when
 * `/metrics` is scraped, once per scrape; nothing is counted in between.
 */
export class PrometheusMetrics {
  readonly registry = new Registry();
  readonly #metrics = new Map<MetricKey, AnyMetric>();
  readonly #cursor = new HistoryCursor();

  constructor() {
    collectDefaultMetrics({ register: this.registry });
    for (const [key, def] of Object.entries(METRICS) as [MetricKey, MetricDefinition][]) {
      const common = { name: def.name, help: def.help, labelNames: [...def.labels], registers: [this.registry] };
      const metric =
        def.type === 'counter'
          ? new Counter(common)
          : def.type === 'gauge'
            ? new Gauge(common)
            : new Histogram({ ...common, buckets: [...(def.buckets ?? [])] });
      this.#metrics.set(key, metric);
    }
  }

  /** `text/plain; version=0.0.4; charset=utf-8`. */
  get contentType(): string {
    return this.registry.contentType;
  }

  /** The metrics as text; the job's only once it has been submitted (`client` defined). */
  async render(client: JobClient | undefined): Promise<string> {
    if (client !== undefined) this.update(readJob(client));
    return this.registry.metrics();
  }

  /** Sets every metric from one reading of the job. */
  update(reading: JobReading): void {
    for (const [key, metric] of this.#metrics) if (!ADDED.has(key) && !(metric instanceof Histogram)) metric.reset();
    for (const s of currentSamples(reading)) this.#set(s);
    const { observe, add } = this.#cursor.next(reading);
    for (const s of observe) (this.#metrics.get(s.metric) as Histogram<string>).observe(s.labels, s.value);
    for (const s of add) (this.#metrics.get(s.metric) as Counter<string>).inc(s.labels, s.value);
  }

  #set(s: Sample): void {
    const metric = this.#metrics.get(s.metric);
    if (metric instanceof Gauge) metric.set(s.labels, s.value);
    else if (metric instanceof Counter) metric.inc(s.labels, Math.max(0, s.value));
  }
}

/** One reading of the job, each part taken once. */
export function readJob(client: JobClient): JobReading {
  return {
    status: client.status(),
    checkpoints: client.checkpointStats(),
    history: client.checkpointHistory(),
  };
}
