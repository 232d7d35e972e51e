/** The answer to an accepted delivery (always 200: Walnut counts anything but 200/201 as failure). */
export interface WebhookReceipt {
  received: true;
  eventId: string;
  duplicate: boolean;
  quarantined: boolean;
}
