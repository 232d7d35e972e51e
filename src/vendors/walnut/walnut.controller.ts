import { VendorWebhookController } from '../../webhooks/vendor-webhook.controller';
import { WalnutSignatureGuard } from './walnut-signature.guard';
import { walnutVendor } from './walnut.vendor';

export class WalnutController extends VendorWebhookController(walnutVendor, WalnutSignatureGuard) {}
