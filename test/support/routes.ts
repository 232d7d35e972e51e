import type { INestApplication } from '@nestjs/common';
import { RequestMethod } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';

export interface AppRoute {
  method: string;
  /** With `{param}` placeholders, e.g. /api/subscriptions/{id}. */
  path: string;
}

/** Every route the app's controllers serve, read from Nest's own routing metadata. */
export function appRoutes(app: INestApplication): AppRoute[] {
  const discovery = app.get(DiscoveryService);
  const scanner = app.get(MetadataScanner);
  const reflector = app.get(Reflector);
  const routes: AppRoute[] = [];
  for (const wrapper of discovery.getControllers()) {
    const controller = wrapper.metatype as (new (...args: never[]) => unknown) | undefined;
    if (!controller || !wrapper.instance) continue;
    const base = String(reflector.get<string>(PATH_METADATA, controller) ?? '');
    const prototype = Object.getPrototypeOf(wrapper.instance);
    for (const name of scanner.getAllMethodNames(prototype)) {
      const handler = prototype[name];
      const method = reflector.get<RequestMethod>(METHOD_METADATA, handler);
      const path = reflector.get<string>(PATH_METADATA, handler);
      if (method === undefined || path === undefined) continue;
      const full = `/${[base, path].filter((part) => part && part !== '/').join('/')}`.replace(/\/+/g, '/').replace(/:(\w+)/g, '{$1}');
      routes.push({ method: RequestMethod[method], path: full });
    }
  }
  return routes;
}
