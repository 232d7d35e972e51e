import { HttpStatus, Injectable } from '@nestjs/common';
import { AppException } from '../common/app.exception';
import { ErrorCode } from '../common/error-code';
import type { VendorDefinition } from '../vendors/vendor-definition';
import { COMMON_SETTINGS, type VendorSetting } from './dto/create-subscription.dto';

/** The vendors this instance serves; each vendor module registers itself at start-up. */
@Injectable()
export class VendorRegistry {
  private readonly vendors = new Map<string, VendorDefinition>();

  register(definition: VendorDefinition): void {
    this.vendors.set(definition.name, definition);
  }

  has(name: string): boolean {
    return this.vendors.has(name);
  }

  names(): string[] {
    return [...this.vendors.keys()].sort();
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

  /**
   * Why each setting given that the vendor does not use is refused (see VendorDefinition.settings).
   * An empty value (`[]`, `{}`) sets nothing, so it passes.
   */
  unusedSettings(definition: VendorDefinition, given: object): string[] {
    return Object.entries(given)
      .filter(([name, value]) => !(COMMON_SETTINGS as readonly string[]).includes(name) && !definition.settings?.includes(name as VendorSetting) && !isEmpty(value))
      .map(([name]) => {
        const users = [...this.vendors.values()].filter((vendor) => vendor.settings?.includes(name as VendorSetting)).map((vendor) => vendor.name);
        return `${name} is not used by ${definition.name} subscriptions${users.length > 0 ? ` (only by ${users.join(', ')})` : ''}: it would change nothing, so it is refused`;
      });
  }
}

function isEmpty(value: unknown): boolean {
  if (value === undefined) return true;
  if (Array.isArray(value)) return value.length === 0;
  return typeof value === 'object' && value !== null && Object.values(value).every((field) => field === undefined);
}
