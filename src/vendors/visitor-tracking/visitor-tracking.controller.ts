import { VendorWebhookController } from '../../webhooks/vendor-webhook.controller';
import { VisitorTrackingSignatureGuard } from './visitor-tracking-signature.guard';
import { visitorTrackingVendor } from './visitor-tracking.vendor';

export class VisitorTrackingController extends VendorWebhookController(visitorTrackingVendor, VisitorTrackingSignatureGuard) {}
