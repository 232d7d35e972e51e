/**
 * The framework's floor: a NestJS application with nothing but one Walnut route, a guard that
 * checks the signature in constant time and a handler that validates the body with the same DTO
 * and class-validator call as the gateway and the reference, answering a receipt without storing.
 * What it costs per request is what NestJS on its HTTP platform costs before any of the gateway's
 * own work (subscription lookup, request ids, logs, metrics, rejections, dedupe, storage), so it
 * tells how close to the bare reference any NestJS gateway can come on this machine.
 *
 * Environment: PORT, HOST, BENCH_SUBSCRIPTIONS (as the reference), FLOOR_PLATFORM=express (the
 * gateway's) or fastify (only when @nestjs/platform-fastify is installed, which the project does
 * not depend on: `npm i --no-save @nestjs/platform-fastify@12`).
 */
import 'reflect-metadata';
import { CanActivate, Controller, ExecutionContext, HttpCode, Injectable, Module, Post, Req, UnprocessableEntityException, UseGuards, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import type { BenchSubscription } from './events';
import { runUntilSignalled } from './server-process';
import { WalnutEventDto } from '../../src/vendors/walnut/dto/walnut-event.dto';
import { walnutSignatureScheme } from '../../src/vendors/walnut/walnut.signature';

const secrets = new Map((JSON.parse(process.env.BENCH_SUBSCRIPTIONS ?? '[]') as BenchSubscription[]).map((row) => [row.id, [row.secret]]));
const TARGET = { callbackUrl: '', signature: {} };

interface FloorRequest {
  params: { subscriptionId: string };
  headers: Record<string, string | string[] | undefined>;
  rawBody?: Buffer;
  body: unknown;
}

@Injectable()
class WalnutSignature implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<FloorRequest>();
    const subscriptionSecrets = secrets.get(request.params.subscriptionId);
    if (subscriptionSecrets === undefined || !request.rawBody) return false;
    return walnutSignatureScheme.verify(request as FloorRequest & { rawBody: Buffer }, subscriptionSecrets, TARGET) === 'valid';
  }
}

let nextId = 0;

@Controller('webhooks/walnut')
@UseGuards(WalnutSignature)
class WalnutFloorController {
  @Post(':subscriptionId')
  @HttpCode(200)
  async receive(@Req() request: FloorRequest): Promise<object> {
    const errors = await validate(plainToInstance(WalnutEventDto, request.body) as object, { forbidUnknownValues: false, validationError: { target: false, value: false } });
    if (errors.length > 0) throw new UnprocessableEntityException('off-shape body');
    return { received: true, eventId: String(++nextId), duplicate: false, quarantined: false };
  }
}

@Module({ controllers: [WalnutFloorController], providers: [WalnutSignature] })
class FloorModule {}

async function create(platform: string): Promise<INestApplication> {
  if (platform === 'express') return NestFactory.create(FloorModule, { rawBody: true, logger: ['error'] });
  if (platform === 'fastify') {
    // Not a dependency of the project: required by name so the build does not need it.
    const { FastifyAdapter } = require('@nestjs/platform-fastify') as { FastifyAdapter: new () => object };
    return NestFactory.create(FloorModule, new FastifyAdapter() as never, { rawBody: true, logger: ['error'] });
  }
  throw new Error(`FLOOR_PLATFORM must be express or fastify, not ${platform}`);
}

runUntilSignalled(async () => {
  const app = await create(process.env.FLOOR_PLATFORM ?? 'express');
  await app.listen(Number(process.env.PORT ?? 3200), process.env.HOST ?? '127.0.0.1');
  return app;
});
