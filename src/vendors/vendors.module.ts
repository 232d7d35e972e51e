import { type DynamicModule, Global, Module } from '@nestjs/common';
import { definitionsOf, VENDOR_LIST, type VendorModule } from './vendor-definition';

/** Imports the app's vendor modules, and makes their definitions injectable everywhere as VENDOR_LIST. */
@Global()
@Module({})
export class VendorsModule {
  static register(vendors: readonly VendorModule[]): DynamicModule {
    return {
      module: VendorsModule,
      imports: [...vendors],
      providers: [{ provide: VENDOR_LIST, useValue: definitionsOf(vendors) }],
      exports: [VENDOR_LIST],
    };
  }
}
