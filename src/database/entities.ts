import { Delivery } from '../delivery/delivery.entity';
import { DeliveryAttempt } from '../delivery/delivery-attempt.entity';
import { Destination } from '../delivery/destination.entity';
import { WebhookEvent } from '../events/webhook-event.entity';
import { Subscription } from '../subscriptions/subscription.entity';
import { WebhookRejection } from '../subscriptions/webhook-rejection.entity';
import { InsideViewAlert } from '../vendors/insideview/insideview-alert.entity';
import { VendorThrottle } from '../vendors/insideview/vendor-throttle.entity';

/** Every TypeORM entity of the service; the app and the migration CLI share this list. */
export const ENTITIES = [Subscription, WebhookEvent, WebhookRejection, InsideViewAlert, VendorThrottle, Destination, Delivery, DeliveryAttempt];
