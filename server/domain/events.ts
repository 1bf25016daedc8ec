/**
 * Events as the store keeps them. Type names are dotted, past tense, and never
 * change once stored.
 */

/** Aggregate types written by the server itself. */
export const systemAggregateTypes = ["target", "execution", "job", "batch", "delivery"] as const;
export type SystemAggregateType = (typeof systemAggregateTypes)[number];

/** Type prefixes reserved for system events; pushed events must not use them. */
export const systemEventPrefixes: readonly string[] = systemAggregateTypes.map((type) => `${type}.`);

/** An event about to be appended. The store assigns position, sequence and time. */
export interface NewEvent {
  readonly aggregateType: string;
  readonly aggregateId: string;
  readonly type: string;
  readonly payload: Record<string, unknown>;
}

/** An event as stored. */
export interface StoredEvent extends NewEvent {
  /** Global, gap-free, 1-based. */
  readonly position: bigint;
  /** Per aggregate (and owner), 1-based. */
  readonly sequence: bigint;
  readonly resourceOwner: string;
  readonly creator: string;
  readonly createdAt: Date;
}

/**
 * A stored event, its fields always written in this order. Every stored event
 * then shares one object shape: spreading a new event and adding the stored
 * fields made V8 build a new hidden class for each one (a spread's copy has
 * no transition tree to reuse), and every function reading events
 * megamorphic.
 */
export function storedEvent(
  event: NewEvent,
  position: bigint,
  sequence: bigint,
  resourceOwner: string,
  creator: string,
  createdAt: Date,
  payload: Record<string, unknown> = event.payload,
): StoredEvent {
  return {
    aggregateType: event.aggregateType,
    aggregateId: event.aggregateId,
    type: event.type,
    payload,
    position,
    sequence,
    resourceOwner,
    creator,
    createdAt,
  };
}

/** The last change of a resource, taken from its last event. */
export interface Details {
  readonly sequence: bigint;
  readonly changeDate: Date;
  readonly resourceOwner: string;
}

/** Details of a stored event. */
export function detailsOf(event: StoredEvent): Details {
  return { sequence: event.sequence, changeDate: event.createdAt, resourceOwner: event.resourceOwner };
}

/** Who acts, and for which owner. Until auth lands every request acts as owner `default`. */
export interface Actor {
  readonly resourceOwner: string;
  readonly subject: string;
}
