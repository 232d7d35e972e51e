import { Delivery } from '../delivery/delivery.entity';
import { DeliveryAttempt } from '../delivery/delivery-attempt.entity';
import { Destination } from '../delivery/destination.entity';
import { WebhookEvent } from '../events/webhook-event.entity';
import { Subscription } from '../subscriptions/subscription.entity';
import { WebhookRejection } from '../subscriptions/webhook-rejection.entity';
import type { VendorDefinition } from '../vendors/vendor-definition';

/** The entities of the shared modules; each vendor adds its own (VendorDefinition.entities). */
const SHARED_ENTITIES = [Subscription, WebhookEvent, WebhookRejection, Destination, Delivery, DeliveryAttempt];

/** Every TypeORM entity of an app with these vendors; the app and the migration CLI both use it. */
export function entitiesOf(vendors: readonly VendorDefinition[]): Array<new () => object> {
  return [...SHARED_ENTITIES, ...vendors.flatMap((vendor) => vendor.entities ?? [])] as Array<new () => object>;
}
