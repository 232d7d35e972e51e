import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { AppException } from '../common/app.exception';
import { ErrorCode } from '../common/error-code';
import { settingNames, VENDOR_LIST, type VendorDefinition, type VendorHooks } from '../vendors/vendor-definition';
import { acceptOwnSettings, COMMON_SETTINGS } from './dto/create-subscription.dto';

/** The vendors this instance serves: the app's list (VENDOR_LIST), one definition each. */
@Injectable()
export class VendorRegistry {
  private readonly vendors: ReadonlyMap<string, VendorDefinition>;
  private readonly resolvedHooks = new Map<VendorDefinition, VendorHooks>();

  constructor(
    @Inject(VENDOR_LIST) definitions: readonly VendorDefinition[],
    private readonly moduleRef: ModuleRef,
  ) {
    this.vendors = new Map(definitions.map((definition) => [definition.name, definition]));
    // Before /docs is built and before any request: the create DTO must know the vendors' own settings keys.
    acceptOwnSettings(definitions);
  }

  has(name: string): boolean {
    return this.vendors.has(name);
  }

  names(): string[] {
    return [...this.vendors.keys()].sort();
  }

  definitions(): VendorDefinition[] {
    return [...this.vendors.values()];
  }

  get(name: string): VendorDefinition {
    const definition = this.vendors.get(name);
    if (!definition) {
      throw new AppException(
        HttpStatus.BAD_REQUEST,
        ErrorCode.UnknownVendor,
        `Unknown vendor "${name}"; known vendors: ${this.names().join(', ')}`,
      );
    }
    return definition;
  }

  /** The vendor's hooks: the provider its definition names, from the vendor's module; none when it names none. */
  hooks(definition: VendorDefinition): VendorHooks {
    if (!definition.hooks) return {};
    let hooks = this.resolvedHooks.get(definition);
    if (!hooks) {
      // Throws when no module of the app provides it: the vendor's module must list it in its providers.
      hooks = this.moduleRef.get<VendorHooks>(definition.hooks, { strict: false }) as VendorHooks;
      this.resolvedHooks.set(definition, hooks);
    }
    return hooks;
  }

  /**
   * Why each setting given that the vendor does not use is refused (see VendorDefinition.settings).
   * An empty value (`[]`, `{}`) sets nothing, so it passes.
   */
  unusedSettings(definition: VendorDefinition, given: object): string[] {
    const used = settingNames(definition);
    return Object.entries(given)
      .filter(([name, value]) => !(COMMON_SETTINGS as readonly string[]).includes(name) && !used.includes(name) && !isEmpty(value))
      .map(([name]) => {
        const users = this.definitions().filter((vendor) => settingNames(vendor).includes(name)).map((vendor) => vendor.name);
        return `${name} is not used by ${definition.name} subscriptions${users.length > 0 ? ` (only by ${users.join(', ')})` : ''}: it would change nothing, so it is refused`;
      });
  }
}

function isEmpty(value: unknown): boolean {
  if (value === undefined) return true;
  if (Array.isArray(value)) return value.length === 0;
  return typeof value === 'object' && value !== null && Object.values(value).every((field) => field === undefined);
}
