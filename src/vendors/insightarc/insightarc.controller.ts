import { VendorWebhookController } from '../../webhooks/vendor-webhook.controller';
import { InsightArcSignatureGuard } from './insightarc-signature.guard';
import { insightArcVendor } from './insightarc.vendor';

export class InsightArcController extends VendorWebhookController(insightArcVendor, InsightArcSignatureGuard) {}
