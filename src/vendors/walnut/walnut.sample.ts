import { randomUUID } from 'node:crypto';
import type { SampleDelivery, SampleTarget } from '../vendor-definition';
import { walnutSignatureScheme } from './walnut.signature';

/** Walnut's documented sample, verbatim: the example /docs shows. */
export const WALNUT_DOCUMENTED_SAMPLE = {
  data: {
    demo: {
      id: '7a8e73ec-93ef-4f35-aadf-33c2ada9b887',
      name: 'My Awesome Demo',
      template_id: '473e5dd0-7447-4c84-9a09-d0cd51442c0a',
      template_name: 'My Awesome template',
      url: 'https://app.teamwalnut.com/player/?demoId=7a8e73ec-93ef-4f35-aadf-33c2ada9b887&showGuide=true&showGuidesToolbar=true&showHotspots=true&source=unknown',
    },
    demo_engagement: { fab_clicks: 0, guides_completion_rate: 15, last_guide_shown: null, last_section_viewed: null, screen_completion_rate: 11, session_duration: 4 },
    session_id: 'eb8af248-a970-46fa-bfb0-cb675b6780e1',
    session_started: '2023-11-01T16:36:47.905000Z',
    user: {
      email: 'someone-awesome@walnut.io',
      user_agent: 'ozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/118.0.0.0 Safari/537.36',
    },
  },
  event: 'demo_session_finished',
  timestamp: '2023-11-01T19:15:20.666248Z',
};

/** The documented sample with a fresh session id and times, so each one is a new event. */
export function walnutSample(target: SampleTarget): SampleDelivery {
  const sample = structuredClone(WALNUT_DOCUMENTED_SAMPLE);
  sample.data.session_id = randomUUID();
  sample.data.session_started = new Date(Date.now() - 60_000).toISOString();
  sample.timestamp = new Date().toISOString();
  const body = JSON.stringify(sample, null, 2);
  return { body, headers: walnutSignatureScheme.sign(body, target.secret, target) };
}
