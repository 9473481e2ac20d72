/**
 * The Nexmark event generator, after Beam's `Generator` (`sdks/java/testing/nexmark`) and the
 * Flink suite's `NexmarkGenerator`: people, auctions and bids in proportions 1 : 3 : 46, ids
 * assigned from the event id (see ids.ts), hot auctions, sellers and bidders, event time from
 * the inter-event delay, optional out-of-order groups.
 *
 * Deterministic per position: `event(n)` depends on `n` and the config only, because, as in Beam,
 * the random generator is seeded with the event id before each event. Positions can therefore be
 * generated in any order and split over any number of subtasks, and a restored position replays
 * exactly the same events. (The Flink suite's generator draws from an unseeded `Random`, so only
 * its ids, kinds and timestamps are reproducible; this one also matches Beam's strings and prices.)
 *
 * One difference from both: the position space is one timeline whatever the parallelism (the
 * source splits positions round-robin, see source.ts), where Beam and Flink give each parallel
 * generator a block of event ids and a timeline of its own. Query results therefore do not depend
 * on the parallelism.
 */
import { adjustedEventNumber, nexmarkConfig, timestampForEvent, type NexmarkConfig, type NexmarkOptions } from './config.ts';
import {
  FIRST_AUCTION_ID,
  FIRST_CATEGORY_ID,
  FIRST_PERSON_ID,
  HOT_AUCTION_RATIO,
  HOT_BIDDER_RATIO,
  HOT_SELLER_RATIO,
  lastBase0AuctionId,
  lastBase0PersonId,
  nextBase0AuctionId,
  nextBase0PersonId,
  nextLong,
} from './ids.ts';
import { JavaRandom } from './java-random.ts';
import { Auction, Bid, Person, type NexmarkEvent } from './model.ts';
import { nextExtra, nextString } from './strings.ts';

/** Kept small so that queries find matches even on a few thousand events. */
const US_STATES = ['AZ', 'CA', 'ID', 'OR', 'WA', 'WY'];
const US_CITIES = ['Phoenix', 'Los Angeles', 'San Francisco', 'Boise', 'Portland', 'Bend', 'Redmond', 'Seattle', 'Kent', 'Cheyenne'];
const FIRST_NAMES = ['Peter', 'Paul', 'Luke', 'John', 'Saul', 'Vicky', 'Kate', 'Julie', 'Sarah', 'Deiter', 'Walter'];
const LAST_NAMES = ['Shultz', 'Abrams', 'Spencer', 'White', 'Bartels', 'Walton', 'Smith', 'Jones', 'Noris'];
const NUM_CATEGORIES = 5;
/** Bytes counted for each number field when padding to an average size (as the reference does). */
const NUMBER_SIZE = 8;

export class NexmarkGenerator {
  readonly config: NexmarkConfig;
  readonly #random = new JavaRandom();
  /** Events between one auction and the `numInFlightAuctions`-th next: sets auction lengths. */
  readonly #eventsForInFlightAuctions: number;

  constructor(options: NexmarkOptions | NexmarkConfig = {}) {
    this.config = 'totalProportion' in options ? options : nexmarkConfig(options);
    this.#eventsForInFlightAuctions = Math.floor((this.config.numInFlightAuctions * this.config.totalProportion) / this.config.auctionProportion);
  }

  /** The event at position `position` (0-based) of the stream. */
  event(position: number): NexmarkEvent {
    const config = this.config;
    const eventId = adjustedEventNumber(config, position);
    const timestamp = timestampForEvent(config, eventId);
    const random = this.#random;
    random.setSeed(eventId);
    const rem = eventId % config.totalProportion;
    if (rem < config.personProportion) return this.#person(eventId, timestamp, random);
    if (rem < config.personProportion + config.auctionProportion) return this.#auction(eventId, timestamp, random);
    return this.#bid(eventId, timestamp, random);
  }

  #person(eventId: number, timestamp: number, random: JavaRandom): Person {
    const config = this.config;
    const id = lastBase0PersonId(config, eventId) + FIRST_PERSON_ID;
    const name = `${FIRST_NAMES[random.nextIntBelow(FIRST_NAMES.length)]} ${LAST_NAMES[random.nextIntBelow(LAST_NAMES.length)]}`;
    const email = `${nextString(random, 7)}@${nextString(random, 5)}.com`;
    const creditCard = `${card(random)} ${card(random)} ${card(random)} ${card(random)}`;
    const city = US_CITIES[random.nextIntBelow(US_CITIES.length)];
    const state = US_STATES[random.nextIntBelow(US_STATES.length)];
    const size = NUMBER_SIZE + name.length + email.length + creditCard.length + city.length + state.length;
    const extra = nextExtra(random, size, config.avgPersonByteSize);
    return new Person(id, name, email, creditCard, city, state, timestamp, extra);
  }

  #auction(eventId: number, timestamp: number, random: JavaRandom): Auction {
    const config = this.config;
    const id = lastBase0AuctionId(config, eventId) + FIRST_AUCTION_ID;
    const seller =
      (random.nextIntBelow(config.hotSellersRatio) > 0
        ? Math.floor(lastBase0PersonId(config, eventId) / HOT_SELLER_RATIO) * HOT_SELLER_RATIO
        : nextBase0PersonId(config, eventId, random)) + FIRST_PERSON_ID;
    const category = FIRST_CATEGORY_ID + random.nextIntBelow(NUM_CATEGORIES);
    const initialBid = nextPrice(random);
    const expires = timestamp + this.#auctionLengthMs(eventId, timestamp, random);
    const itemName = nextString(random, 20);
    const description = nextString(random, 100);
    const reserve = initialBid + nextPrice(random);
    const size = NUMBER_SIZE + itemName.length + description.length + 5 * NUMBER_SIZE;
    const extra = nextExtra(random, size, config.avgAuctionByteSize);
    return new Auction(id, itemName, description, initialBid, reserve, timestamp, expires, seller, category, extra);
  }

  #bid(eventId: number, timestamp: number, random: JavaRandom): Bid {
    const config = this.config;
    const auction =
      (random.nextIntBelow(config.hotAuctionRatio) > 0
        ? Math.floor(lastBase0AuctionId(config, eventId) / HOT_AUCTION_RATIO) * HOT_AUCTION_RATIO
        : nextBase0AuctionId(config, eventId, random)) + FIRST_AUCTION_ID;
    // The second person of the batch, so that hot bidders and hot sellers differ.
    const bidder =
      (random.nextIntBelow(config.hotBiddersRatio) > 0
        ? Math.floor(lastBase0PersonId(config, eventId) / HOT_BIDDER_RATIO) * HOT_BIDDER_RATIO + 1
        : nextBase0PersonId(config, eventId, random)) + FIRST_PERSON_ID;
    const price = nextPrice(random);
    const extra = nextExtra(random, 4 * NUMBER_SIZE, config.avgBidByteSize);
    return new Bid(auction, bidder, price, timestamp, extra);
  }

  /**
   * An auction runs until, on average, `numInFlightAuctions` more auctions have started: a length
   * drawn uniformly from 1 ms to twice the event time until then.
   */
  #auctionLengthMs(eventNumber: number, timestamp: number, random: JavaRandom): number {
    const horizonMs = timestampForEvent(this.config, eventNumber + this.#eventsForInFlightAuctions) - timestamp;
    return 1 + nextLong(random, Math.max(horizonMs * 2, 1));
  }
}

/**
 * Prices in cents, log-uniform from $1 to $1,000,000: `round(10^(6x) · 100)`. `Math.exp` is about
 * four times faster than `10 ** y` and within 1e-14 of it (relative), so its rounding is the same
 * except right next to a half cent; there the exact power decides.
 */
function nextPrice(random: JavaRandom): number {
  const exponent = random.nextDouble() * 6;
  const cents = Math.exp(exponent * Math.LN10) * 100;
  const fraction = cents - Math.floor(cents);
  if (Math.abs(fraction - 0.5) > 1e-5) return Math.round(cents);
  return Math.round(10 ** exponent * 100);
}

/** Four digits, zero-padded. */
function card(random: JavaRandom): string {
  const n = random.nextIntBelow(10000);
  return n >= 1000 ? String(n) : n >= 100 ? `0${n}` : n >= 10 ? `00${n}` : `000${n}`;
}
