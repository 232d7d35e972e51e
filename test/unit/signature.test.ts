import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, it } from 'node:test';
import { constantTimeEqual, matchesAny } from '../../src/common/constant-time';
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
