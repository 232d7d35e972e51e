import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { DeliveryConfig } from '../../src/delivery/delivery.config';
import type { DeliveryMetrics } from '../../src/delivery/delivery-metrics';
import { IngestPriority, QUEUEING_WEBHOOKS, RELIEVED_UTILIZATION, SATURATED_UTILIZATION } from '../../src/delivery/ingest-priority';
import { IngestLoad } from '../../src/events/ingest-load';

/** An IngestPriority fed made-up samples; the metrics it reports are kept. */
function priority(saturatedRate = 40) {
  const reported: boolean[] = [];
  const metrics = { sampled: (yielding: boolean) => reported.push(yielding) } as unknown as DeliveryMetrics;
  const subject = new IngestPriority(new IngestLoad(), metrics, { worker: true, saturatedRate } as DeliveryConfig);
  let woken = 0;
  subject.onChange(() => (woken += 1));
  return { subject, reported, woken: () => woken };
}

const flood = { utilization: 0.97, webhooksInFlight: 40 };

describe('Ingest priority: deliveries make way for webhooks only while webhooks queue on a saturated event loop', () => {
  it('yields only when both hold: webhooks queueing and the loop saturated', () => {
    const { subject, reported } = priority();
    subject.observe({ utilization: 0.99, webhooksInFlight: QUEUEING_WEBHOOKS - 1 }, 0);
    assert.equal(subject.yieldingToIngest, false, 'a busy loop answering each webhook at once (a steady few hundred a second) is not a flood');
    subject.observe({ utilization: SATURATED_UTILIZATION - 0.01, webhooksInFlight: 200 }, 100);
    assert.equal(subject.yieldingToIngest, false, 'webhooks waiting while the loop has room (a slow database) are not helped by holding deliveries back');
    assert.equal(subject.allowance(100), Infinity);
    subject.observe({ utilization: SATURATED_UTILIZATION, webhooksInFlight: QUEUEING_WEBHOOKS }, 200);
    assert.equal(subject.yieldingToIngest, true);
    assert.deepEqual(reported, [false, false, true]);
  });

  it('keeps yielding while webhooks queue and the loop stays busy, and stops when either eases', () => {
    const { subject, woken } = priority();
    subject.observe(flood, 0);
    subject.observe({ utilization: RELIEVED_UTILIZATION, webhooksInFlight: QUEUEING_WEBHOOKS }, 100);
    assert.equal(subject.yieldingToIngest, true, 'between the two thresholds it stays as it is');
    assert.equal(woken(), 2, 'the worker is woken after every sample while yielding');
    subject.observe({ utilization: RELIEVED_UTILIZATION - 0.01, webhooksInFlight: 40 }, 200);
    assert.equal(subject.yieldingToIngest, false, 'the loop has room again');
    assert.equal(woken(), 3, 'and once more when it ends, to catch up at once');
    subject.observe(flood, 300);
    subject.observe({ utilization: 1, webhooksInFlight: QUEUEING_WEBHOOKS - 0.5 }, 400);
    assert.equal(subject.yieldingToIngest, false, 'webhooks no longer queue');
    subject.observe({ utilization: 0.1, webhooksInFlight: 0 }, 500);
    assert.equal(woken(), 5, 'no wake-up while nothing changes and it is not yielding');
  });

  it('while yielding, grants DELIVERY_SATURATED_RATE attempts a second in bursts of a quarter second, never none for long', () => {
    const { subject } = priority(40);
    subject.observe(flood, 1000);
    assert.equal(subject.allowance(1000), 0, 'the bucket starts empty');
    assert.equal(subject.allowance(1200), 0, '8 of a burst of 10: not yet');
    assert.equal(subject.allowance(1250), 10);
    subject.spend(10);
    assert.equal(subject.allowance(1260), 0);
    assert.equal(subject.allowance(5000), 10, 'what is not claimed is not saved up beyond one burst');
    subject.spend(3);
    assert.equal(subject.allowance(5000), 0, 'a part of a burst is not granted');
    let granted = 0;
    for (let t = 5000; t <= 15_000; t += 25) {
      const allowed = subject.allowance(t);
      granted += allowed;
      subject.spend(allowed);
    }
    assert.ok(granted >= 380 && granted <= 410, `10 s at 40 a second: ${granted}`);
    subject.observe({ utilization: 0.2, webhooksInFlight: 0 }, 15_100);
    assert.equal(subject.allowance(15_100), Infinity, 'no limit once it stops yielding');
    subject.spend(1000);
    assert.equal(subject.allowance(15_100), Infinity);
  });

  it('grants at least one attempt at a time at the lowest rate', () => {
    const { subject } = priority(1);
    subject.observe(flood, 0);
    assert.equal(subject.allowance(999), 0);
    assert.equal(subject.allowance(1000), 1);
  });
});

describe('Ingest load: webhook requests in flight, averaged over time', () => {
  it('is the time-weighted mean since the last read', () => {
    const load = new IngestLoad();
    const t = Math.ceil(performance.now()) + 1000;
    assert.equal(load.averageSinceLastRead(t), 0);
    load.started(t);
    load.started(t + 10);
    load.ended(t + 30);
    load.started(t + 60);
    // 0–10 ms: 1, 10–30: 2, 30–60: 1, 60–100: 2 → (10 + 40 + 30 + 80) / 100
    assert.equal(load.averageSinceLastRead(t + 100), 1.6);
    load.ended(t + 150);
    load.ended(t + 150);
    assert.equal(load.averageSinceLastRead(t + 200), 1, 'two for the first half of the span, none after');
    assert.equal(load.averageSinceLastRead(t + 300), 0);
  });
});
