import { Module } from '@nestjs/common';
import { WebhooksModule } from '../../webhooks/webhooks.module';
import { WalnutSignatureGuard } from './walnut-signature.guard';
import { WalnutController } from './walnut.controller';
import { walnutVendor } from './walnut.vendor';

@Module({
  imports: [WebhooksModule],
  controllers: [WalnutController],
  providers: [WalnutSignatureGuard],
})
export class WalnutModule {
  static readonly vendor = walnutVendor;
}
