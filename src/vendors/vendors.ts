import { insideviewVendor } from './insideview/insideview.vendor';
import { insightArcVendor } from './insightarc/insightarc.vendor';
import type { VendorDefinition } from './vendor-definition';
import { visitorTrackingVendor } from './visitor-tracking/visitor-tracking.vendor';
import { walnutVendor } from './walnut/walnut.vendor';

/**
 * Every vendor's definition by name, for code that runs without the Nest app (the simulate CLI,
 * the benchmark's reference server). In the app each vendor module registers its own
 * (VendorRegistry); simulate.test checks that the two list the same vendors.
 */
export const VENDOR_DEFINITIONS: Readonly<Record<string, VendorDefinition>> = Object.fromEntries(
  [walnutVendor, insightArcVendor, visitorTrackingVendor, insideviewVendor].map((vendor) => [vendor.name, vendor]),
);
