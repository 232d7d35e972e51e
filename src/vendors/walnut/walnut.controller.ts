import { Controller, UseGuards } from '@nestjs/common';
import { Public } from '../../common/public.decorator';
import { ApiVendorWebhook } from '../../webhooks/api-vendor-webhook.decorator';
import { VendorWebhookController } from '../../webhooks/vendor-webhook.controller';
import { WalnutEventDto } from './dto/walnut-event.dto';
import { WalnutSignatureGuard } from './walnut-signature.guard';
import { WALNUT_DOCUMENTED_SAMPLE } from './walnut.sample';
import { walnutVendor } from './walnut.vendor';
import { walnutSignatureScheme } from './walnut.signature';

@Public()
@Controller('webhooks/walnut')
@UseGuards(WalnutSignatureGuard)
@ApiVendorWebhook({
  title: 'Walnut',
  payload: WalnutEventDto,
  example: WALNUT_DOCUMENTED_SAMPLE,
  signature: walnutSignatureScheme,
  headCheck: 'Walnut makes no HEAD check; answers 200 for a known subscription.',
})
export class WalnutController extends VendorWebhookController {
  protected readonly vendor = walnutVendor;
}
