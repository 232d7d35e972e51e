import type { AttemptOutcomeKind } from './delivery-outcome';

/**
 * An attempt still in flight this long makes its destination a suspect (see DestinationShares): a
 * consumer that answers at all answers in well under a second, and waiting for the timeout (15 s by
 * default) to say so would let a hung destination hold its slots all that time.
 */
export const STALL_MS = 1_000;
/** The part of an instance's slots that suspect destinations may hold together. */
export const SUSPECT_FRACTION = 0.5;
/**
 * The part of an instance's slots kept for destinations that have shown they answer: one that has
 * not yet delivered here (or is a suspect) claims only while more than this is free, but for its
 * first attempt in flight, so a newcomer always gets a foot in.
 */
export const RESERVE_FRACTION = 0.2;

interface Share {
  /**
   * Attempts this destination may have in flight on this instance, as its outcomes made it; null
   * until it has one: until then (and while it is a suspect, at most) it gets the equal share.
   */
  limit: number | null;
  /** The equal share when it was last asked for room (what a first outcome starts from). */
  equal: number;
  /** Its attempts in flight: delivery id → Date.now() when started. */
  inFlight: Map<string, number>;
  /** Whether its last finished attempt failed (timed out, went unanswered or was answered but not 2xx). */
  failing: boolean;
  /** Whether it has delivered an attempt on this instance. */
  answered: boolean;
}

/**
 * Each destination's share of one instance's DELIVERY_CONCURRENCY slots, so that no set of bad
 * destinations can hold the slots healthy ones need:
 *
 * - a destination starts with an equal share (the slots divided by the active destinations that have
 *   deliveries pending, at least 1);
 * - a delivered attempt that found its share in full use grows it by one (up to every slot: a single
 *   busy destination still gets the whole instance, and its max_concurrency still bounds it in the claim);
 * - a failed attempt (timeout, network error, non-2xx other than 410/429/503-with-Retry-After) halves it,
 *   down to 1, so it keeps being tried and grows back once it answers again;
 * - a destination whose last attempt failed, or one of whose attempts has been in flight for STALL_MS,
 *   is a suspect: it gets no more than the equal share, however much it had grown, and suspects
 *   together hold at most SUSPECT_FRACTION of the slots;
 * - RESERVE_FRACTION of the slots is kept for destinations that have delivered here and are not
 *   suspects (and for each destination's first attempt in flight): a burst for destinations that turn
 *   out to hang cannot fill the instance in the second before they are found out.
 *
 * Per instance and in memory: each instance protects its own slots, and max_concurrency (under the
 * destination's row lock) still bounds a destination over all of them.
 */
export class DestinationShares {
  private readonly shares = new Map<string, Share>();
  private inFlight = 0;

  constructor(private readonly slots: number) {}

  /** How many more attempts `destinationId` may start now, `active` being how many destinations (itself included) have deliveries to send. */
  room(destinationId: string, active: number, now = Date.now()): number {
    const share = this.shareOf(destinationId);
    share.equal = Math.max(1, Math.floor(this.slots / Math.max(1, active)));
    const suspect = this.suspect(share, now);
    const limit = share.limit === null ? share.equal : suspect ? Math.min(share.limit, share.equal) : share.limit;
    let own = limit - share.inFlight.size;
    if (own <= 0 || (share.answered && !suspect)) return Math.max(0, own);
    // Not yet shown to answer, or a suspect: not into the reserve, but for a first attempt.
    const beyondReserve = this.slots - this.inFlight - Math.floor(this.slots * RESERVE_FRACTION);
    own = Math.min(own, Math.max(beyondReserve, share.inFlight.size === 0 ? 1 : 0));
    if (own <= 0 || !suspect) return Math.max(0, own);
    let heldBySuspects = 0;
    for (const other of this.shares.values()) if (this.suspect(other, now)) heldBySuspects += other.inFlight.size;
    return Math.max(0, Math.min(own, Math.floor(this.slots * SUSPECT_FRACTION) - heldBySuspects));
  }

  started(destinationId: string, deliveryId: string, now = Date.now()): void {
    const share = this.shareOf(destinationId);
    if (!share.inFlight.has(deliveryId)) this.inFlight += 1;
    share.inFlight.set(deliveryId, now);
  }

  /**
   * An attempt ended: `outcome` is its kind, or null when it says nothing of the destination's health
   * (given back at a stop, or a message that could not be built).
   */
  finished(destinationId: string, deliveryId: string, outcome: AttemptOutcomeKind | null): void {
    const share = this.shares.get(destinationId);
    if (!share) return;
    const limit = share.limit ?? share.equal;
    const wasFull = share.inFlight.size >= limit;
    if (share.inFlight.delete(deliveryId)) this.inFlight -= 1;
    if (outcome === 'delivered') {
      share.failing = false;
      share.answered = true;
      share.limit = wasFull ? Math.min(this.slots, limit + 1) : limit;
    } else if (outcome === 'retry' || outcome === 'failed') {
      share.failing = true;
      share.limit = Math.max(1, Math.floor(limit / 2));
    }
  }

  /** Forgets destinations no longer active once their attempts are over. */
  keepOnly(activeIds: Set<string>): void {
    for (const [id, share] of this.shares) if (!activeIds.has(id) && share.inFlight.size === 0) this.shares.delete(id);
  }

  /** For the tests and the logs: a destination's current limit and attempts in flight. */
  describe(destinationId: string): { limit: number; inFlight: number } | undefined {
    const share = this.shares.get(destinationId);
    return share && { limit: share.limit ?? share.equal, inFlight: share.inFlight.size };
  }

  private shareOf(destinationId: string): Share {
    let share = this.shares.get(destinationId);
    if (!share) {
      share = { limit: null, equal: 1, inFlight: new Map(), failing: false, answered: false };
      this.shares.set(destinationId, share);
    }
    return share;
  }

  private suspect(share: Share, now: number): boolean {
    if (share.failing) return true;
    // A Map keeps insertion order: its first entry is the oldest attempt in flight.
    const oldest = share.inFlight.values().next();
    return !oldest.done && now - oldest.value >= STALL_MS;
  }
}
