import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { CreateSubscriptionDto } from './dto/create-subscription.dto';
import { DisableSubscriptionDto } from './dto/disable-subscription.dto';
import { ListSubscriptionsQuery } from './dto/list-subscriptions.query';
import { RotateSecretDto } from './dto/rotate-secret.dto';
import { UpdateSubscriptionDto } from './dto/update-subscription.dto';
import { RejectionsService } from './rejections.service';
import { TestEventService } from './test-event.service';
import { SubscriptionsService } from './subscriptions.service';

@Controller('api/subscriptions')
export class SubscriptionsController {
  constructor(
    private readonly subscriptions: SubscriptionsService,
    private readonly rejections: RejectionsService,
    private readonly testEvents: TestEventService,
  ) {}

  @Post()
  create(@Body() dto: CreateSubscriptionDto) {
    return this.subscriptions.create(dto);
  }

  @Get()
  list(@Query() query: ListSubscriptionsQuery) {
    return this.subscriptions.list(query);
  }

  @Get(':id')
  get(@Param('id') id: string) {
    return this.subscriptions.get(id);
  }

  @Patch(':id')
  update(@Param('id') id: string, @Body() dto: UpdateSubscriptionDto) {
    return this.subscriptions.update(id, dto);
  }

  @Post(':id/disable')
  @HttpCode(200)
  disable(@Param('id') id: string, @Body() dto: DisableSubscriptionDto) {
    return this.subscriptions.disable(id, dto);
  }

  @Post(':id/enable')
  @HttpCode(200)
  enable(@Param('id') id: string) {
    return this.subscriptions.enable(id);
  }

  @Post(':id/rotate-secret')
  @HttpCode(200)
  rotateSecret(@Param('id') id: string, @Body() dto: RotateSecretDto) {
    return this.subscriptions.rotateSecret(id, dto);
  }

  @Post(':id/sync')
  @HttpCode(200)
  sync(@Param('id') id: string) {
    return this.subscriptions.sync(id);
  }

  /** Sends a signed sample to the subscription's own callback URL and reports what came back. */
  @Post(':id/test-event')
  @HttpCode(200)
  testEvent(@Param('id') id: string) {
    return this.testEvents.send(id);
  }

  /** The last refused deliveries, newest first: time, status, code and which check failed. */
  @Get(':id/rejections')
  async listRejections(@Param('id') id: string) {
    const subscription = await this.subscriptions.get(id);
    return { data: await this.rejections.list(subscription.id) };
  }

  @Delete(':id')
  @HttpCode(204)
  async remove(@Param('id') id: string): Promise<void> {
    await this.subscriptions.remove(id);
  }
}
