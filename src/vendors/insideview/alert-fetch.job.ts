import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { backoffWithJitter } from '../../common/backoff';
import { IntervalJob } from '../../common/interval-job';
import { InsideViewApiClient, type InsideViewAlertPage } from './insideview-api.client';
import { InsideViewApiError, InsideViewThrottledError } from './insideview-api.errors';
import type { InsideViewAlert } from './insideview-alert.entity';
import { InsideViewAlertQueue, type ClaimedAlert } from './insideview-alert-queue';
import { INSIDEVIEW_CONFIG, type InsideViewConfig } from './insideview.config';
import { AlertDetailsEvents } from './alert-details-event';

const JOB = 'insideview-alert-fetch';
const RETRY_BASE_MS = 2_000;
const RETRY_MAX_MS = 10 * 60_000;
/** A guard against a vendor that reports absurd totals: more pages than this is an error. */
const MAX_PAGES = 1_000;

/** A page that is not what InsideView documents; retried like any other failure. */
class MalformedPageError extends Error {}
/** The lease expired and another instance took the alert: stop, store nothing. */
class LeaseLostError extends Error {}

/**
 * Fetches each queued alert's details from InsideView. Alerts are claimed with FOR UPDATE SKIP
 * LOCKED leases, the network is called outside any transaction, every page is followed (the lease
 * renewed before each), and the details are stored only while the lease is still ours — so each
 * alert is fetched by one instance, however many run. A new alert wakes the job at once; otherwise
 * it polls every ALERT_FETCH_POLL_MS.
 */
@Injectable()
export class AlertFetchJob implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('AlertFetch');
  private readonly owner = `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
  private readonly job: IntervalJob;

  constructor(
    private readonly alerts: InsideViewAlertQueue,
    private readonly detailsEvents: AlertDetailsEvents,
    private readonly client: InsideViewApiClient,
    scheduler: SchedulerRegistry,
    @Inject(INSIDEVIEW_CONFIG) private readonly config: InsideViewConfig,
  ) {
    this.job = new IntervalJob(scheduler, JOB, () => this.drain(), (error) => this.logger.warn(`Alert fetch pass failed: ${error.message}`));
  }

  onApplicationBootstrap(): void {
    if (!this.client.configured) return;
    this.job.start(this.config.fetchPollMs, () => this.wake());
    this.wake();
  }

  /** Finishes the alerts in hand, then gives back every lease so another instance takes over at once. */
  async onModuleDestroy(): Promise<void> {
    await this.job.stop();
    await this.alerts.releaseAll(this.owner).catch((error: Error) => this.logger.warn(`Could not release leases: ${error.message}`));
  }

  /** Runs the queue now (or right after the run in progress). */
  wake(): void {
    if (this.client.configured) void this.job.run({ again: true });
  }

  /** Claims and fetches until nothing is due. */
  private async drain(): Promise<void> {
    while (!this.job.stopping && !(await this.client.throttledUntil())) {
      await this.alerts.failAbandoned(this.config.fetchMaxAttempts);
      const claimed = await this.alerts.claim(this.owner, this.config.fetchConcurrency, this.config.fetchLeaseSeconds, this.config.fetchMaxAttempts);
      if (claimed.length === 0) return;
      // allSettled: every fetch must be over before this pass is, or shutdown could release a live lease.
      await Promise.allSettled(claimed.map((alert) => this.fetch(alert)));
    }
  }

  private async fetch(alert: ClaimedAlert): Promise<void> {
    try {
      const details = await this.fetchAllPages(alert);
      // The derived event before the alert is marked fetched: a crash in between re-fetches the
      // alert, and the event, deduped on the alert, is not stored twice (nor ever missing).
      if (!(await this.alerts.renew(alert.id, this.owner, this.config.fetchLeaseSeconds))) throw new LeaseLostError();
      await this.detailsEvents.record(alert, details);
      if (!(await this.alerts.complete(alert.id, this.owner, details))) {
        this.logger.warn(`Alert ${alert.alertId}: lease lost before the details were stored (taken over, or its subscription deleted)`);
      }
    } catch (error) {
      await this.recordFailure(alert, error);
    }
  }

  private async fetchAllPages(alert: Pick<InsideViewAlert, 'id' | 'alertId' | 'vendorSubscriptionId'>): Promise<Record<string, unknown>> {
    const ids: string[] = [];
    let kind: 'companyIds' | 'peopleIds' | undefined;
    let first: InsideViewAlertPage | undefined;
    let pages = 1;
    for (let page = 1; page <= pages; page++) {
      if (page > 1 && !(await this.alerts.renew(alert.id, this.owner, this.config.fetchLeaseSeconds))) throw new LeaseLostError();
      const answer = await this.client.getAlertPage(alert.vendorSubscriptionId, alert.alertId, page);
      if (typeof answer !== 'object' || answer === null) throw new MalformedPageError(`page ${page} is not an object`);
      const pageKind = Array.isArray(answer.companyIds) ? 'companyIds' : Array.isArray(answer.peopleIds) ? 'peopleIds' : undefined;
      if (page === 1) {
        first = answer;
        kind = pageKind;
        const total = Number(answer.totalResults ?? 0);
        const perPage = Number(answer.resultsPerPage ?? 0);
        pages = total > 0 && perPage > 0 ? Math.ceil(total / perPage) : 1;
        if (!Number.isFinite(pages) || pages > MAX_PAGES) throw new MalformedPageError(`page count ${pages} out of range`);
      }
      const entries = pageKind ? answer[pageKind] : undefined;
      if (!entries || (kind && pageKind !== kind)) {
        if (Number(first?.totalResults ?? 0) === 0 && page === 1) break; // an alert with nothing in it
        throw new MalformedPageError(`page ${page} of ${pages} has no ${kind ?? 'companyIds or peopleIds'}`);
      }
      ids.push(...entries.map(String));
    }
    const totalResults = Number(first?.totalResults ?? ids.length);
    if (ids.length < totalResults) throw new MalformedPageError(`got ${ids.length} of ${totalResults} results across ${pages} pages`);
    return { subscriptionType: first?.subscriptionType ?? null, totalResults, pages, [kind ?? 'companyIds']: ids };
  }

  private async recordFailure(alert: Pick<InsideViewAlert, 'id' | 'alertId' | 'attempts'>, error: unknown): Promise<void> {
    if (error instanceof LeaseLostError) {
      this.logger.warn(`Alert ${alert.alertId}: lease lost mid-fetch; left to the instance that holds it`);
      return;
    }
    const message = describeFailure(error);
    if (error instanceof InsideViewThrottledError) {
      // Not the alert's fault: it waits for the window, and the attempt is given back.
      await this.alerts.fail(alert.id, this.owner, message, { retryAt: error.until, countAttempt: false });
      return;
    }
    // InsideView refusing the request itself (unknown alert 400-1510, forbidden) will not change on
    // retry; a 401 or 408 may (a 429 never gets here: the client turns it into InsideViewThrottledError).
    const permanent = error instanceof InsideViewApiError && error.status >= 400 && error.status < 500 && ![401, 408].includes(error.status);
    const exhausted = permanent || alert.attempts >= this.config.fetchMaxAttempts;
    const retryAt = exhausted ? null : new Date(Date.now() + backoffWithJitter(alert.attempts - 1, RETRY_BASE_MS, RETRY_MAX_MS));
    this.logger.warn(`Alert ${alert.alertId}: attempt ${alert.attempts} failed (${message})${exhausted ? '; giving up' : ''}`);
    await this.alerts.fail(alert.id, this.owner, message, { retryAt, countAttempt: true });
  }
}

function describeFailure(error: unknown): string {
  if (error instanceof InsideViewApiError) return `InsideView answered ${error.status}${error.vendorCode ? ` ${error.vendorCode}` : ''}: ${error.message}`;
  return error instanceof Error ? error.message : String(error);
}
