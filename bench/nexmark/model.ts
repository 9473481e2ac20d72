/**
 * The three Nexmark event kinds, with the fields and names of the Beam and Flink models (Flink's
 * `datagen` table: person, auction, bid). Times are milliseconds since the epoch.
 *
 * Each kind is one class whose fields are set in one order in its constructor, so that every
 * record of a kind has the same hidden class and the functions that read them stay monomorphic
 * (or polymorphic over three shapes where a stream mixes kinds). `kind` comes first in each.
 */

/** A new user of the auction site. */
export class Person {
  readonly kind = 'person' as const;
  constructor(
    readonly id: number,
    readonly name: string,
    readonly emailAddress: string,
    readonly creditCard: string,
    readonly city: string,
    readonly state: string,
    readonly dateTime: number,
    readonly extra: string,
  ) {}
}

/** A new auction: an item for sale by `seller` (a person id) until `expires`. */
export class Auction {
  readonly kind = 'auction' as const;
  constructor(
    readonly id: number,
    readonly itemName: string,
    readonly description: string,
    readonly initialBid: number,
    readonly reserve: number,
    readonly dateTime: number,
    readonly expires: number,
    readonly seller: number,
    readonly category: number,
    readonly extra: string,
  ) {}
}

/** A bid of `price` (in cents) by `bidder` (a person id) on `auction` (an auction id). */
export class Bid {
  readonly kind = 'bid' as const;
  constructor(
    readonly auction: number,
    readonly bidder: number,
    readonly price: number,
    readonly dateTime: number,
    readonly extra: string,
  ) {}
}

/** One event of the Nexmark stream; `kind` tells which. */
export type NexmarkEvent = Person | Auction | Bid;

export const isPerson = (event: NexmarkEvent): event is Person => event.kind === 'person';
export const isAuction = (event: NexmarkEvent): event is Auction => event.kind === 'auction';
export const isBid = (event: NexmarkEvent): event is Bid => event.kind === 'bid';

/** The event time of any event: what a watermark strategy's timestamp assigner returns. */
export const eventTime = (event: NexmarkEvent): number => event.dateTime;
