import type { InsideViewAlert } from './insideview-alert.entity';

export interface AlertView {
  id: string;
  subscriptionId: string;
  eventId: string | null;
  alertId: string;
  vendorSubscriptionId: string;
  alertDate: string | null;
  alertType: string | null;
  state: string;
  attempts: number;
  nextAttemptAt: string | null;
  lastError: string | null;
  fetchedAt: string | null;
  createdAt: string;
  details?: Record<string, unknown> | null;
}

const iso = (date: Date | null) => (date ? date.toISOString() : null);

export function toAlertView(alert: InsideViewAlert, withDetails = false): AlertView {
  const view: AlertView = {
    id: alert.id,
    subscriptionId: alert.subscriptionId,
    eventId: alert.eventId === null ? null : String(alert.eventId),
    alertId: alert.alertId,
    vendorSubscriptionId: alert.vendorSubscriptionId,
    alertDate: iso(alert.alertDate),
    alertType: alert.alertType,
    state: alert.state,
    attempts: alert.attempts,
    nextAttemptAt: alert.state === 'pending' ? iso(alert.nextAttemptAt) : null,
    lastError: alert.lastError,
    fetchedAt: iso(alert.fetchedAt),
    createdAt: alert.createdAt.toISOString(),
  };
  if (withDetails) view.details = alert.details;
  return view;
}
