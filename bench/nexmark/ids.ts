/**
 * Nexmark's id assignment, as in Beam's and Flink's `PersonGenerator` / `AuctionGenerator`: ids
 * follow from the event id alone, so any subtask can generate any event and references between
 * events stay valid.
 *
 * Event ids run in epochs of `totalProportion` (50) events: in each, `personProportion` (1) people,
 * then `auctionProportion` (3) auctions, then `bidProportion` (46) bids:
 *
 *   event id   0    1    2    3    4 … 49   50   51 …
 *   kind       P0   A0   A1   A2   bids     P1   A3 …
 *
 * Person and auction ids are 0-based here ("base 0"); the generator adds FIRST_PERSON_ID and
 * FIRST_AUCTION_ID (1000) so that small runs still find the ids queries look for.
 */
import type { NexmarkConfig } from './config.ts';
import type { JavaRandom } from './java-random.ts';

export const FIRST_PERSON_ID = 1000;
export const FIRST_AUCTION_ID = 1000;
export const FIRST_CATEGORY_ID = 10;
/** How far past the latest person or auction a random reference may point ("leads"). */
export const PERSON_ID_LEAD = 10;
export const AUCTION_ID_LEAD = 10;
/** Hot sellers, bidders and auctions are the first (second, for bidders) of each batch of 100. */
export const HOT_SELLER_RATIO = 100;
export const HOT_BIDDER_RATIO = 100;
export const HOT_AUCTION_RATIO = 100;

/** The latest person id at `eventId` (base 0): the one being created, if `eventId` is a person. */
export function lastBase0PersonId(config: NexmarkConfig, eventId: number): number {
  const epoch = Math.floor(eventId / config.totalProportion);
  let offset = eventId % config.totalProportion;
  if (offset >= config.personProportion) offset = config.personProportion - 1;
  return epoch * config.personProportion + offset;
}

/** The latest auction id at `eventId` (base 0): the one being created, if `eventId` is an auction. */
export function lastBase0AuctionId(config: NexmarkConfig, eventId: number): number {
  let epoch = Math.floor(eventId / config.totalProportion);
  let offset = eventId % config.totalProportion;
  if (offset < config.personProportion) {
    // A person: the last auction of the previous epoch.
    epoch--;
    offset = config.auctionProportion - 1;
  } else if (offset >= config.personProportion + config.auctionProportion) {
    // A bid: the last auction of this epoch.
    offset = config.auctionProportion - 1;
  } else {
    offset -= config.personProportion;
  }
  return epoch * config.auctionProportion + offset;
}

/** A random person among the latest `numActivePeople`, or up to PERSON_ID_LEAD ahead (base 0). */
export function nextBase0PersonId(config: NexmarkConfig, eventId: number, random: JavaRandom): number {
  const numPeople = lastBase0PersonId(config, eventId) + 1;
  const activePeople = Math.min(numPeople, config.numActivePeople);
  return numPeople - activePeople + nextLong(random, activePeople + PERSON_ID_LEAD);
}

/** A random auction among the latest `numInFlightAuctions`, or up to AUCTION_ID_LEAD ahead (base 0). */
export function nextBase0AuctionId(config: NexmarkConfig, eventId: number, random: JavaRandom): number {
  const maxAuction = lastBase0AuctionId(config, eventId);
  const minAuction = Math.max(maxAuction - config.numInFlightAuctions, 0);
  return minAuction + nextLong(random, maxAuction - minAuction + 1 + AUCTION_ID_LEAD);
}

/** Beam's `LongGenerator.nextLong`: uniform below `n` (skewed past 2³¹, as in the reference). */
export function nextLong(random: JavaRandom, n: number): number {
  if (n < 0x7fffffff) return random.nextIntBelow(n);
  const r = random.nextLong() % BigInt(n);
  return Number(r < 0n ? -r : r);
}
