import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { DeliveryConfig } from '../../src/delivery/delivery.config';
import type { DeliveryMetrics } from '../../src/delivery/delivery-metrics';
import { IngestPriority, QUEUEING_WEBHOOKS, RELIEVED_UTILIZATION, SAMPLES_TO_CHANGE, SATURATED_UTILIZATION } from '../../src/delivery/ingest-priority';
import { IngestLoad } from '../../src/events/ingest-load';

/** An IngestPriority fed made-up samples; what it reports to the metrics is kept. */
function priority(saturatedRate = 40) {
  const reported: boolean[] = [];
  let yielded = 0;
  const metrics = { yielding: (yielding: boolean) => reported.push(yielding), yielded: (seconds: number) => (yielded += seconds) } as unknown as DeliveryMetrics;
  const subject = new IngestPriority(new IngestLoad(), metrics, { worker: true, saturatedRate } as DeliveryConfig);
  let woken = 0;
  subject.onChange(() => (woken += 1));
  return { subject, reported, woken: () => woken, yielded: () => yielded };
}

const flood = { utilization: 0.97, webhooksInFlight: 40 };
const quiet = { utilization: 0.1, webhooksInFlight: 0 };

/** Feeds samples 100 ms apart from `start`; returns the time after the last. */
function feed(subject: IngestPriority, samples: Array<{ utilization: number; webhooksInFlight: number }>, start = 0): number {
  samples.forEach((sample, index) => subject.observe(sample, start + index * 100));
  return start + samples.length * 100;
}

describe('Ingest priority: deliveries make way for webhooks only while webhooks queue on a saturated event loop', () => {
  it('yields only when both hold, for SAMPLES_TO_CHANGE samples in a row', () => {
    const { subject, reported } = priority();
    const busyLoopOnly = { utilization: 0.99, webhooksInFlight: QUEUEING_WEBHOOKS - 1 };
    feed(subject, [busyLoopOnly, busyLoopOnly, busyLoopOnly]);
    assert.equal(subject.yieldingToIngest, false, 'a busy loop answering each webhook at once (a steady few hundred a second) is not a flood');
    const waitingOnly = { utilization: SATURATED_UTILIZATION - 0.01, webhooksInFlight: 200 };
    feed(subject, [waitingOnly, waitingOnly, waitingOnly], 300);
    assert.equal(subject.yieldingToIngest, false, 'webhooks waiting while the loop has room (a slow database) are not helped by holding deliveries back');
    const justFlooded = { utilization: SATURATED_UTILIZATION, webhooksInFlight: QUEUEING_WEBHOOKS };
    feed(subject, [justFlooded, quiet, justFlooded], 600);
    assert.equal(subject.yieldingToIngest, false, 'one flooded sample at a time (a GC pause, one large batch) is not a flood');
    assert.equal(subject.allowance(900), Infinity);
    feed(subject, Array(SAMPLES_TO_CHANGE - 1).fill(justFlooded), 900);
    assert.equal(subject.yieldingToIngest, true);
    assert.deepEqual(reported.slice(-2), [false, true]);
  });

  it('keeps yielding while webhooks queue and the loop stays busy, and stops when either eases for as many samples', () => {
    const { subject, woken } = priority();
    feed(subject, [flood, flood]);
    assert.equal(subject.yieldingToIngest, true);
    subject.observe({ utilization: RELIEVED_UTILIZATION, webhooksInFlight: QUEUEING_WEBHOOKS }, 200);
    assert.equal(subject.yieldingToIngest, true, 'between the two utilisation thresholds it stays as it is');
    assert.equal(woken(), 2, 'the worker is woken after every sample while yielding');
    const roomy = { utilization: RELIEVED_UTILIZATION - 0.01, webhooksInFlight: 40 };
    feed(subject, [roomy, flood, roomy], 300);
    assert.equal(subject.yieldingToIngest, true, 'one sample with room at a time (a batch of answers leaving at once) is not the end');
    subject.observe(roomy, 600);
    assert.equal(subject.yieldingToIngest, false, 'the loop has room again');
    assert.equal(woken(), 6, 'and once more when it ends, to catch up at once');
    const answered = { utilization: 1, webhooksInFlight: QUEUEING_WEBHOOKS - 0.5 };
    feed(subject, [flood, flood, answered, answered], 700);
    assert.equal(subject.yieldingToIngest, false, 'webhooks no longer queue');
    subject.observe(quiet, 1100);
    assert.equal(woken(), 9, 'no wake-up while nothing changes and it is not yielding');
  });

  it('counts the time spent yielding as it passed, late samples included', () => {
    const { subject, yielded } = priority();
    subject.observe(flood, 0);
    subject.observe(flood, 100);
    subject.observe(flood, 350); // a sample 250 ms late
    subject.observe(quiet, 400);
    subject.observe(quiet, 500);
    subject.observe(quiet, 600);
    assert.ok(Math.abs(yielded() - 0.4) < 1e-9, `yielding from 100 to 500 ms: ${yielded()} s`);
  });

  it('while yielding, grants DELIVERY_SATURATED_RATE attempts a second, a sample’s worth at a time, never none for long', () => {
    const { subject } = priority(40);
    feed(subject, [flood, flood], 900); // yielding from t = 1000
    assert.equal(subject.allowance(1000), 0, 'the bucket starts empty');
    assert.equal(subject.allowance(1050), 0, '2 of a burst of 4: not yet');
    assert.equal(subject.allowance(1100), 4);
    subject.spend(4);
    assert.equal(subject.allowance(1110), 0);
    assert.equal(subject.allowance(5000), 8, 'what is not claimed is saved up to two bursts, no more');
    subject.spend(5);
    assert.equal(subject.allowance(5000), 0, 'less than a burst is not granted');
    let granted = 0;
    for (let t = 5000; t <= 15_000; t += 100) {
      const allowed = subject.allowance(t);
      granted += allowed;
      subject.spend(allowed);
    }
    assert.ok(granted >= 395 && granted <= 405, `10 s at 40 a second, checked every 100 ms: ${granted}`);
    feed(subject, [quiet, quiet], 15_100);
    assert.equal(subject.allowance(15_300), Infinity, 'no limit once it stops yielding');
    subject.spend(1000);
    assert.equal(subject.allowance(15_300), Infinity);
  });

  it('grants one attempt at a time at the lowest rates', () => {
    const { subject } = priority(4);
    feed(subject, [flood, flood], -100);
    assert.equal(subject.allowance(200), 0);
    assert.equal(subject.allowance(250), 1);
    subject.spend(1);
    assert.equal(subject.allowance(400), 0);
    assert.equal(subject.allowance(500), 1);
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
