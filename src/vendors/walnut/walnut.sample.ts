import { randomUUID } from 'node:crypto';
import { hmac } from '../../webhooks/signature';
import type { SampleDelivery, SampleTarget } from '../vendor-definition';

/** vendor-docs/003's sample, with a fresh session id and timestamp so each one is a new event. */
export function walnutSample(target: SampleTarget): SampleDelivery {
  const body = JSON.stringify(
    {
      data: {
        demo: {
          id: '7a8e73ec-93ef-4f35-aadf-33c2ada9b887',
          name: 'My Awesome Demo',
          template_id: '473e5dd0-7447-4c84-9a09-d0cd51442c0a',
          template_name: 'My Awesome template',
          url: 'https://app.teamwalnut.com/player/?demoId=7a8e73ec-93ef-4f35-aadf-33c2ada9b887&showGuide=true',
        },
        demo_engagement: { fab_clicks: 0, guides_completion_rate: 15, last_guide_shown: null, last_section_viewed: null, screen_completion_rate: 11, session_duration: 4 },
        session_id: randomUUID(),
        session_started: new Date(Date.now() - 60_000).toISOString(),
        user: { email: 'someone-awesome@walnut.io', user_agent: 'Mozilla/5.0' },
      },
      event: 'demo_session_finished',
      timestamp: new Date().toISOString(),
    },
    null,
    2,
  );
  return { body, headers: { 'X-Walnut-Signature': hmac('sha256', target.secret, [body], 'hex') } };
}
