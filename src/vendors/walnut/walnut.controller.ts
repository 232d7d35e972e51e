import { Controller, UseGuards } from '@nestjs/common';
import { Public } from '../../common/public.decorator';
import { VendorWebhookController } from '../../webhooks/vendor-webhook.controller';
import { WalnutSignatureGuard } from './walnut-signature.guard';
import { walnutVendor } from './walnut.vendor';

@Public()
@Controller('webhooks/walnut')
@UseGuards(WalnutSignatureGuard)
export class WalnutController extends VendorWebhookController {
  protected readonly vendor = walnutVendor;
}
