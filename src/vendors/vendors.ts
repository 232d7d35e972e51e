import { InsideViewModule } from './insideview/insideview.module';
import { InsightArcModule } from './insightarc/insightarc.module';
import type { VendorModule } from './vendor-definition';
import { VisitorTrackingModule } from './visitor-tracking/visitor-tracking.module';
import { WalnutModule } from './walnut/walnut.module';

/**
 * Every vendor the gateway serves: one line each. The app imports these modules (AppModule), and
 * everything that enumerates vendors reads the app's list: the registry, the `vendor` enum of the
 * API and /docs, the database's entities, the test-event route, `npm run simulate`, the tests.
 */
export const VENDORS: readonly VendorModule[] = [
  WalnutModule,
  InsightArcModule,
  VisitorTrackingModule,
  InsideViewModule,
];
