import { HttpStatus, Injectable } from '@nestjs/common';
import { AppException } from '../common/app.exception';
import { ErrorCode } from '../common/error-code';
import type { VendorDefinition } from '../vendors/vendor-definition';

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
}
