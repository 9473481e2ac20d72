/**
 * What shapes the Nexmark stream: the knobs of Beam's and Flink's `NexmarkConfiguration`, with
 * their defaults, and the event-number arithmetic of their `GeneratorConfig` (event time from the
 * inter-event delay, out-of-order groups).
 */
import { ConfigError, rejectUnknownOptions } from '@weir/core';

/** Options of {@link nexmarkConfig}; every one has the reference default. */
export interface NexmarkOptions {
  /**
   * Event-time rate: event `n` happens `n · 10⁶ / eventsPerSecond` µs after `baseTime` (Nexmark's
   * `firstEventRate`, default 10,000/s; the Flink suite runs at 10,000,000/s). It sets timestamps
   * only: how fast events are emitted is the source's `ratePerSecond`.
   */
  readonly eventsPerSecond?: number;
  /** Event time of the first event, ms since the epoch (default 2015-07-15T00:00:00Z, Beam's `BASE_TIME`). */
  readonly baseTime?: number;
  /**
   * Events come out of order within consecutive groups of this many (default 1: in order). Event
   * `n` of a group starting at `b` takes the number `b + (n · 953) mod size`, as Beam and Flink do.
   */
  readonly outOfOrderGroupSize?: number;
  /** Proportions of people, auctions and bids (default 1 : 3 : 46). */
  readonly personProportion?: number;
  readonly auctionProportion?: number;
  readonly bidProportion?: number;
  /** 1 in `ratio` bids are for a random auction, the rest for the hot one of the latest 100 (default 2). */
  readonly hotAuctionRatio?: number;
  /** 1 in `ratio` auctions are by a random seller, the rest by the hot one of the latest 100 people (default 4). */
  readonly hotSellersRatio?: number;
  /** 1 in `ratio` bids are by a random bidder, the rest by the hot one of the latest 100 people (default 4). */
  readonly hotBiddersRatio?: number;
  /** Random sellers and bidders are drawn from the latest this many people (default 1000). */
  readonly numActivePeople?: number;
  /** Random auctions are drawn from the latest this many (default 100); also sets auction lengths. */
  readonly numInFlightAuctions?: number;
  /** Average sizes in bytes, reached by padding `extra` (defaults 200, 500, 100). */
  readonly avgPersonByteSize?: number;
  readonly avgAuctionByteSize?: number;
  readonly avgBidByteSize?: number;
}

/** Every option resolved, plus what derives from them. Plain data. */
export interface NexmarkConfig extends Required<NexmarkOptions> {
  readonly totalProportion: number;
  /** Microseconds of event time between two consecutive event numbers. */
  readonly interEventDelayUs: number;
}

export const NEXMARK_DEFAULTS: Required<NexmarkOptions> = {
  eventsPerSecond: 10_000,
  baseTime: Date.UTC(2015, 6, 15),
  outOfOrderGroupSize: 1,
  personProportion: 1,
  auctionProportion: 3,
  bidProportion: 46,
  hotAuctionRatio: 2,
  hotSellersRatio: 4,
  hotBiddersRatio: 4,
  numActivePeople: 1000,
  numInFlightAuctions: 100,
  avgPersonByteSize: 200,
  avgAuctionByteSize: 500,
  avgBidByteSize: 100,
};

export const NEXMARK_OPTION_NAMES = Object.keys(NEXMARK_DEFAULTS) as (keyof NexmarkOptions)[];

/** Resolves `options` against the defaults; throws a ConfigError naming a bad option. */
export function nexmarkConfig(options: NexmarkOptions = {}): NexmarkConfig {
  rejectUnknownOptions('nexmarkConfig', options, NEXMARK_OPTION_NAMES);
  const c = { ...NEXMARK_DEFAULTS };
  for (const name of NEXMARK_OPTION_NAMES) {
    const value = options[name];
    if (value === undefined) continue;
    const [valid, what] = checkOption(name, value);
    if (!valid) throw new ConfigError(name, `Nexmark option '${name}' must be ${what}, got ${String(value)}`);
    c[name] = value;
  }
  return {
    ...c,
    totalProportion: c.personProportion + c.auctionProportion + c.bidProportion,
    interEventDelayUs: 1e6 / c.eventsPerSecond,
  };
}

function checkOption(name: keyof NexmarkOptions, value: unknown): [boolean, string] {
  const integer = typeof value === 'number' && Number.isSafeInteger(value);
  switch (name) {
    case 'eventsPerSecond':
      return [typeof value === 'number' && value > 0 && Number.isFinite(value), 'a positive number'];
    case 'baseTime':
      return [integer, 'an integer (ms since the epoch)'];
    case 'bidProportion':
      return [integer && (value as number) >= 0, 'an integer ≥ 0'];
    default:
      // People and auctions at least one per epoch: bids and auctions refer to the latest ones.
      return [integer && (value as number) >= 1, 'an integer ≥ 1'];
  }
}

/**
 * The event number the event at position `position` of the stream carries: `position` itself,
 * or a shuffle within its out-of-order group. A permutation of each group as long as the group
 * size is not a multiple of 953 (a prime).
 */
export function adjustedEventNumber(config: NexmarkConfig, position: number): number {
  const n = config.outOfOrderGroupSize;
  if (n === 1) return position;
  const base = position - (position % n);
  return base + ((position % n) * 953) % n;
}

/** Event time of event number `eventNumber`, ms: `baseTime + ⌊n · delayUs⌋ / 1000` rounded down. */
export function timestampForEvent(config: NexmarkConfig, eventNumber: number): number {
  return config.baseTime + Math.floor(Math.floor(eventNumber * config.interEventDelayUs) / 1000);
}

/**
 * How far behind the newest event time a later event's time can be, in ms, within one source
 * subtask: the span of an out-of-order group. A watermark `maxOutOfOrdernessMs` behind the
 * largest time seen never makes an event late.
 */
export function maxOutOfOrdernessMs(config: NexmarkConfig): number {
  if (config.outOfOrderGroupSize === 1) return 0;
  return Math.ceil((config.outOfOrderGroupSize * config.interEventDelayUs) / 1000) + 1;
}
