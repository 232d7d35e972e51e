import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseInsideViewDate } from '../../src/vendors/insideview/insideview-date';

describe('InsideView dates', () => {
  it('reads both of InsideView’s formats, with their offsets', () => {
    const cases: Array<[string, string]> = [
      ['2020-02-26T11:52:29+0000', '2020-02-26T11:52:29.000Z'],
      ['2020-02-26 11:52:29:00+0000', '2020-02-26T11:52:29.000Z'],
      ['2020-02-26 11:52:29:5+0000', '2020-02-26T11:52:29.500Z'],
      ['2020-02-26T11:52:29-0130', '2020-02-26T13:22:29.000Z'],
      ['2020-02-26T11:52:29+05:30', '2020-02-26T06:22:29.000Z'],
      ['2020-02-26T11:52:29Z', '2020-02-26T11:52:29.000Z'],
      ['2020-02-29T23:59:59+0000', '2020-02-29T23:59:59.000Z'],
      ['2020-03-01T00:30:00+0100', '2020-02-29T23:30:00.000Z'],
    ];
    for (const [text, iso] of cases) assert.equal(parseInsideViewDate(text)?.toISOString(), iso, text);
  });

  it('refuses a date that does not exist instead of rolling it over to another one', () => {
    for (const text of [
      '2020-02-30 11:52:29:00+0000',
      '2021-02-29T11:52:29+0000',
      '2020-04-31T00:00:00+0000',
      '2020-13-01T00:00:00+0000',
      '2020-00-10T00:00:00+0000',
      '2020-01-00T00:00:00+0000',
      '2020-02-26T24:00:00+0000',
      '2020-02-26T11:60:00+0000',
      '2020-02-26T11:52:60+0000',
      '2020-02-26T11:52:29+2500',
      '2020-02-26T11:52:29+0160',
      '0020-02-26T11:52:29+0000',
      '2020-02-26',
      'yesterday',
    ]) {
      assert.equal(parseInsideViewDate(text), null, text);
    }
    assert.equal(parseInsideViewDate(20200226), null);
  });
});
