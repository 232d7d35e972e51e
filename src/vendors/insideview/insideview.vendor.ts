import { stringAt } from '../../events/payload-fields';
import type { VendorDefinition } from '../vendor-definition';
import { insideviewSample } from './insideview.sample';
import { InsideViewAlertNotificationDto } from './dto/insideview-alert-notification.dto';
import { parseInsideViewDate } from './insideview-date';

/**
 * InsideView: subscriptions are created at InsideView by the gateway (with a generated signing
 * secret), its status is mirrored from InsideView's API, and each alert notification is stored
 * once per alert id. The hooks that call InsideView are added by InsideViewController.
 */
export const insideviewVendor: VendorDefinition = {
  name: 'insideview',
  secretSource: 'generate',
  settings: ['insideview'],
  activateOnHead: false,
  dto: InsideViewAlertNotificationDto,
  sample: insideviewSample,
  secretRotationRefusal:
    'InsideView signs alerts with the signing secret the subscription was created with; to change it, delete the subscription and create a new one',
  headCheck: 'insideview-echo',
  eventType: () => 'alert',
  occurredAt: (payload) => parseInsideViewDate(stringAt(payload, 'date')),
  dedupeKey: (payload) => {
    const alertId = stringAt(payload, 'alertId', 100);
    return alertId ? `alert:${alertId}` : null;
  },
};
