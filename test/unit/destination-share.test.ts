import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DestinationShares, RESERVE_FRACTION, STALL_MS, SUSPECT_FRACTION } from '../../src/delivery/destination-share';

/** Starts as many attempts as the share allows; returns how many it started. */
function fill(shares: DestinationShares, destination: string, active: number, now: number, ids: string[]): number {
  const room = shares.room(destination, active, now);
  for (let n = 0; n < room; n++) {
    const id = `${destination}-${ids.length}`;
    ids.push(id);
    shares.started(destination, id, now);
  }
  return room;
}

describe('DestinationShares', () => {
  it('gives each destination an equal share of the slots to start with', () => {
    const shares = new DestinationShares(100);
    assert.equal(shares.room('a', 12, 0), 8);
    assert.equal(shares.room('b', 1000, 0), 1, 'at least one slot, however many destinations');
    const lone = new DestinationShares(100);
    assert.equal(lone.room('only', 1, 0), 80, 'a lone destination, before it has delivered: all but the reserve');
    lone.started('only', 'first', 0);
    lone.finished('only', 'first', 'delivered');
    assert.equal(lone.room('only', 1, 0), 100, 'once it has delivered, every slot');
  });

  it('keeps the reserve for destinations that have delivered, but for a newcomer’s first attempt', () => {
    const shares = new DestinationShares(20);
    const ids: string[] = [];
    // Three destinations that have not delivered yet fill all but the reserve (4 of 20)...
    assert.equal(fill(shares, 'a', 3, 0, ids), 6);
    assert.equal(fill(shares, 'b', 3, 0, ids), 6);
    assert.equal(fill(shares, 'c', 3, 0, ids), 4);
    // ...a newcomer still gets one attempt in, and no more until it has delivered...
    assert.equal(fill(shares, 'd', 4, 0, ids), 1);
    assert.equal(shares.room('d', 4, 0), 0);
    shares.finished('d', ids[ids.length - 1], 'delivered');
    // ...then it may use its whole share, the reserve included (the worker bounds it by the free slots).
    assert.equal(shares.room('d', 4, 0), 5);
    assert.equal(Math.floor(20 * RESERVE_FRACTION), 4);
  });

  it('grows the share of a destination that delivers with its share in full use, up to every slot', () => {
    const shares = new DestinationShares(20);
    const ids: string[] = [];
    assert.equal(fill(shares, 'a', 4, 0, ids), 5);
    shares.finished('a', ids[0], 'delivered');
    assert.equal(shares.describe('a')?.limit, 6);
    for (let round = 0; round < 40; round++) {
      fill(shares, 'a', 4, 0, ids);
      shares.finished('a', ids[ids.length - 1], 'delivered');
    }
    assert.equal(shares.describe('a')?.limit, 20);
  });

  it('does not grow a share that was not in full use', () => {
    const shares = new DestinationShares(20);
    shares.room('a', 4, 0);
    shares.started('a', 'one', 0);
    shares.finished('a', 'one', 'delivered');
    assert.equal(shares.describe('a')?.limit, 5);
  });

  it('halves the share on each failure, down to 1, and grows it back on success', () => {
    const shares = new DestinationShares(64);
    const ids: string[] = [];
    assert.equal(fill(shares, 'a', 2, 0, ids), 32);
    for (const id of ids.slice(0, 10)) shares.finished('a', id, 'retry');
    assert.equal(shares.describe('a')?.limit, 1);
    for (const id of ids.slice(10)) shares.finished('a', id, 'failed');
    assert.equal(shares.describe('a')?.limit, 1);
    // It answers again: each round fills the share and succeeds, and the share grows back.
    for (let n = 1; n <= 5; n++) {
      const round: string[] = [];
      assert.equal(shares.room('a', 2, 0), n);
      for (let k = 0; k < n; k++) shares.started('a', `again-${n}-${k}`, 0);
      shares.finished('a', `again-${n}-0`, 'delivered');
      for (let k = 1; k < n; k++) round.push(`again-${n}-${k}`);
      for (const id of round) shares.finished('a', id, 'delivered');
    }
    assert.equal(shares.describe('a')?.limit, 6);
  });

  it('leaves the share alone for throttles, 410s and attempts given back', () => {
    const shares = new DestinationShares(10);
    const ids: string[] = [];
    fill(shares, 'a', 2, 0, ids);
    shares.finished('a', ids[0], 'throttled');
    shares.finished('a', ids[1], 'gone');
    shares.finished('a', ids[2], null);
    assert.equal(shares.describe('a')?.limit, 5);
    assert.equal(shares.describe('a')?.inFlight, 2);
  });

  it('lets stalled or failing destinations hold together no more than their part of the slots', () => {
    const shares = new DestinationShares(100);
    const ids: string[] = [];
    // 20 destinations hang: they take their shares of 5 up to the reserve (80 slots), and the last
    // four one slot each (a first attempt)...
    for (let n = 0; n < 20; n++) fill(shares, `hung-${n}`, 20, 0, ids);
    assert.equal(ids.length, 84);
    // ...then, stalled, one whose attempt finished may not take its slot again while suspects hold more than half.
    shares.finished('hung-0', ids[0], null);
    assert.equal(shares.room('hung-0', 20, STALL_MS), 0);
    // A healthy newcomer is not held back by the suspects' cap: it gets its first attempt, then, once
    // it has delivered, the free slots.
    assert.equal(shares.room('healthy', 20, STALL_MS), 1);
    shares.started('healthy', 'h1', STALL_MS);
    shares.finished('healthy', 'h1', 'delivered');
    assert.equal(shares.room('healthy', 20, STALL_MS), 5);
    // Once the suspects' attempts time out, they may hold up to the cap again, never more.
    for (const id of ids.slice(1)) shares.finished(id.replace(/-\d+$/, ''), id, 'retry');
    assert.equal(shares.describe('hung-19')?.inFlight, 0);
    let held = 0;
    for (let n = 0; n < 20; n++) {
      const room = shares.room(`hung-${n}`, 20, STALL_MS);
      for (let k = 0; k < room; k++) shares.started(`hung-${n}`, `later-${n}-${k}`, STALL_MS);
      held += room;
    }
    assert.ok(held <= 100 * SUSPECT_FRACTION, `suspects hold ${held}`);
    assert.ok(held >= 20, `each failing destination is still tried (${held})`);
  });

  it('gives a destination with no outcome yet the equal share of now, however few were active when it was first seen', () => {
    const shares = new DestinationShares(20);
    assert.equal(shares.room('early', 2, 0), 10);
    assert.equal(shares.room('early', 11, 0), 1);
  });

  it('holds a destination that grew and then stalls to the equal share', () => {
    const shares = new DestinationShares(100);
    const ids: string[] = [];
    for (let round = 0; round < 60; round++) {
      fill(shares, 'a', 10, 0, ids);
      shares.finished('a', ids[ids.length - 1], 'delivered');
    }
    assert.equal(shares.describe('a')?.limit, 70);
    // All but its 5 oldest attempts answer (not in full use any more: the share stays 70).
    const open = ids.slice(0, 5);
    for (const id of ids.slice(5)) shares.finished('a', id, null);
    assert.equal(shares.describe('a')?.inFlight, 5);
    assert.equal(shares.room('a', 10, 0), 65, 'while it answers, all it has grown to');
    assert.equal(shares.room('a', 10, STALL_MS), 10 - open.length, 'once an attempt stalls, no more than the equal share of 10');
  });

  it('forgets destinations no longer active once their attempts are over', () => {
    const shares = new DestinationShares(10);
    shares.started('gone', 'x', 0);
    shares.room('idle', 2, 0);
    shares.keepOnly(new Set());
    assert.ok(shares.describe('gone'));
    assert.equal(shares.describe('idle'), undefined);
  });
});
