import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, it } from 'node:test';
import { constantTimeEqual, matchesAny } from '../../src/common/constant-time';
import { insideviewSignatureScheme } from '../../src/vendors/insideview/insideview.signature';
import { insightArcSignatureScheme } from '../../src/vendors/insightarc/insightarc.signature';
import { visitorTrackingSignatureScheme } from '../../src/vendors/visitor-tracking/visitor-tracking.signature';
import { walnutSignatureScheme } from '../../src/vendors/walnut/walnut.signature';
import { hmac, hmacMatches, singleHeader } from '../../src/webhooks/signature';

describe('Signature helpers', () => {
  it('compare equal and unequal values, of equal and of different lengths', () => {
    assert.equal(constantTimeEqual('abc', 'abc'), true);
    assert.equal(constantTimeEqual('abc', 'abd'), false);
    assert.equal(constantTimeEqual('abc', 'abcd'), false);
    assert.equal(constantTimeEqual('', ''), true);
    assert.equal(constantTimeEqual(Buffer.from('x'), 'x'), true);
  });

  it('match any of several secrets, and none of none', () => {
    assert.equal(matchesAny('b', ['a', 'b', 'c']), true);
    assert.equal(matchesAny('d', ['a', 'b', 'c']), false);
    assert.equal(matchesAny('a', []), false);
  });

  it('compute HMACs as Node’s crypto does, over concatenated parts', () => {
    const expected = createHmac('sha256', 'key').update('hello world').digest('hex');
    assert.equal(hmac('sha256', 'key', ['hello ', Buffer.from('world')], 'hex'), expected);
    assert.equal(hmac('sha1', 'key', ['x'], 'base64'), createHmac('sha1', 'key').update('x').digest('base64'));
  });

  it('accept a signature made with any valid secret over any candidate message', () => {
    const signature = createHmac('sha1', 'old').update('body2').digest('base64');
    const options = { algorithm: 'sha1' as const, encoding: 'base64' as const, secrets: ['new', 'old'], messages: [['body1'], ['body2']] };
    assert.equal(hmacMatches(signature, options), true);
    assert.equal(hmacMatches(signature, { ...options, secrets: ['new'] }), false);
    assert.equal(hmacMatches(signature, { ...options, messages: [['body1']] }), false);
    assert.equal(hmacMatches('', options), false);
  });

  it('take a header only when it is a single non-empty value', () => {
    assert.equal(singleHeader(' abc '), 'abc');
    assert.equal(singleHeader(''), undefined);
    assert.equal(singleHeader('   '), undefined);
    assert.equal(singleHeader(undefined), undefined);
    assert.equal(singleHeader(['a', 'b']), undefined);
  });
});

/**
 * Each vendor's scheme against the construction the vendor documents, computed here
 * with node:crypto alone: the test helpers and the benchmark sign with the schemes, so this is
 * where they are held to the vendors' word.
 */
describe('Vendor signature schemes', () => {
  const body = '{"event":"demo_session_finished", "n": 1}';
  const delivery = (headers: Record<string, string>, raw: string = body) => ({ headers: lower(headers), rawBody: Buffer.from(raw), body: JSON.parse(raw) as unknown });
  const target = { callbackUrl: 'https://gateway.example.com/webhooks/x/1', signature: {} };

  it('Walnut: lowercase hex HMAC-SHA256 of the raw body in X-Walnut-Signature', () => {
    const expected = createHmac('sha256', 'key').update(body).digest('hex');
    assert.deepEqual(walnutSignatureScheme.sign(body, 'key', target), { 'X-Walnut-Signature': expected });
    assert.equal(walnutSignatureScheme.verify(delivery({ 'X-Walnut-Signature': expected }), ['old', 'key'], target), 'valid');
    assert.equal(walnutSignatureScheme.verify(delivery({ 'X-Walnut-Signature': expected.toUpperCase() }), ['key'], target), 'valid');
    assert.equal(walnutSignatureScheme.verify(delivery({ 'X-Walnut-Signature': expected }), ['other'], target), 'invalid');
    assert.equal(walnutSignatureScheme.verify(delivery({}), ['key'], target), 'missing');
  });

  it('InsightArc: base64 HMAC-SHA1 of the body then the registered URL, over the raw or the re-serialised body', () => {
    const expected = createHmac('sha1', 'key').update(body + target.callbackUrl).digest('base64');
    assert.deepEqual(insightArcSignatureScheme.sign(body, 'key', target), { 'x-insightarc-signature': expected });
    assert.equal(insightArcSignatureScheme.verify(delivery({ 'x-insightarc-signature': expected }), ['key'], target), 'valid');
    const spaced = '{ "a" : 1 }';
    const overParsed = createHmac('sha1', 'key').update(JSON.stringify(JSON.parse(spaced)) + target.callbackUrl).digest('base64');
    assert.equal(insightArcSignatureScheme.verify(delivery({ 'x-insightarc-signature': overParsed }, spaced), ['key'], target), 'valid');
    assert.equal(insightArcSignatureScheme.verify(delivery({ 'x-insightarc-signature': expected }), ['key'], { ...target, callbackUrl: 'https://elsewhere.example.com/' }), 'invalid');
    assert.equal(insightArcSignatureScheme.verify(delivery({}), ['key'], target), 'missing');
  });

  it("Visitor-tracking: the subscription's header holds the secret (token) or a hex HMAC-SHA256 of the raw body", () => {
    assert.deepEqual(visitorTrackingSignatureScheme.sign(body, 'key', target), { 'X-Webhook-Signature': 'key' });
    assert.equal(visitorTrackingSignatureScheme.verify(delivery({ 'X-Webhook-Signature': 'key' }), ['key'], target), 'valid');
    assert.equal(visitorTrackingSignatureScheme.verify(delivery({ 'X-Webhook-Signature': 'nope' }), ['key'], target), 'invalid');
    const hmacTarget = { ...target, signature: { header: 'X-Custom-Auth', scheme: 'hmac-sha256' as const } };
    const expected = createHmac('sha256', 'key').update(body).digest('hex');
    assert.deepEqual(visitorTrackingSignatureScheme.sign(body, 'key', hmacTarget), { 'X-Custom-Auth': expected });
    assert.equal(visitorTrackingSignatureScheme.verify(delivery({ 'X-Custom-Auth': `sha256=${expected}` }), ['key'], hmacTarget), 'valid');
    assert.equal(visitorTrackingSignatureScheme.verify(delivery({ 'X-Webhook-Signature': expected }), ['key'], hmacTarget), 'missing');
  });

  it('InsideView: HMAC-SHA1 of the raw body, sent as lowercase hex, accepted as hex of either case or base64', () => {
    const mac = () => createHmac('sha1', 'signing').update(body);
    const hex = mac().digest('hex');
    assert.deepEqual(insideviewSignatureScheme.sign(body, 'signing', target), { 'X-InsideViewAPI-AlertDataSignature': hex });
    for (const value of [hex, hex.toUpperCase(), mac().digest('base64')]) {
      assert.equal(insideviewSignatureScheme.verify(delivery({ 'X-InsideViewAPI-AlertDataSignature': value }), ['signing'], target), 'valid', value);
    }
    assert.equal(insideviewSignatureScheme.verify(delivery({ 'X-InsideViewAPI-AlertDataSignature': hex }), ['other'], target), 'invalid');
  });
});

/** Header names as Node hands them to the app: lowercase. */
function lower(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]));
}
