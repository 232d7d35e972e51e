import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { AlertFetchState, type InsideViewAlert } from './insideview-alert.entity';

/** An InsideView alert and the state of fetching its details. */
export class AlertView {
  @ApiProperty({ description: "The gateway's id of the alert (use it in /api/insideview/alerts/{id})", format: 'uuid' })
  id: string;

  @ApiProperty({ description: 'The gateway subscription it arrived through', format: 'uuid' })
  subscriptionId: string;

  @ApiProperty({ description: 'The webhook event that carried the notification', type: String, nullable: true, example: '1042' })
  eventId: string | null;

  @ApiProperty({ description: "InsideView's alert id", example: '364559' })
  alertId: string;

  @ApiProperty({ description: "InsideView's own subscription id", example: 'oshbv7671moesavtb0e0' })
  vendorSubscriptionId: string;

  @ApiProperty({ description: "The notification's date", type: String, format: 'date-time', nullable: true })
  alertDate: string | null;

  @ApiProperty({ type: String, nullable: true, example: 'company' })
  alertType: string | null;

  @ApiProperty({ enum: AlertFetchState, enumName: 'AlertFetchState', example: AlertFetchState.Fetched })
  state: string;

  @ApiProperty({ description: 'Fetch attempts so far', type: 'integer', example: 1 })
  attempts: number;

  @ApiProperty({ description: 'When the next attempt is due (pending alerts only)', type: String, format: 'date-time', nullable: true })
  nextAttemptAt: string | null;

  @ApiProperty({ description: 'Why the last attempt failed', type: String, nullable: true, example: null })
  lastError: string | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  fetchedAt: string | null;

  @ApiProperty({ format: 'date-time' })
  createdAt: string;

  @ApiPropertyOptional({
    description: 'The fetched details, every page merged: `{subscriptionType, totalResults, pages, companyIds | peopleIds}` (single-alert reads only)',
    type: 'object',
    additionalProperties: true,
    nullable: true,
    example: { subscriptionType: 'company', totalResults: 2, pages: 1, companyIds: ['12345', '67890'] },
  })
  details?: Record<string, unknown> | null;
}

export class AlertPage {
  @ApiProperty({ type: [AlertView] })
  data: AlertView[];

  @ApiProperty({ description: 'How many match the filters, across all pages', type: 'integer', example: 1 })
  total: number;
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
