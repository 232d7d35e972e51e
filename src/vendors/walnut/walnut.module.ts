import { Module } from '@nestjs/common';
import { WebhooksModule } from '../../webhooks/webhooks.module';
import { WalnutSignatureGuard } from './walnut-signature.guard';
import { WalnutController } from './walnut.controller';

@Module({
  imports: [WebhooksModule],
  controllers: [WalnutController],
  providers: [WalnutSignatureGuard],
})
export class WalnutModule {}
