import { ApiProperty } from '@nestjs/swagger';

/** The answer to an accepted delivery (always 200: some vendors count anything but 200/201 as failure). */
export class WebhookReceipt {
  @ApiProperty({ description: 'Always true: the delivery is committed', type: Boolean, example: true })
  received: true;

  @ApiProperty({ description: 'Id of the stored event (GET /api/events/{id})', example: '1042' })
  eventId: string;

  @ApiProperty({ description: 'True when this delivery repeats one already stored (nothing new was stored)', example: false })
  duplicate: boolean;

  @ApiProperty({ description: "True when the body did not match the vendor's documented shape: stored as quarantined", example: false })
  quarantined: boolean;
}
