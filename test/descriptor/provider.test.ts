/** Provider strings (spec 1.3) and RFC 3339 creation times. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseProvider } from '../../src/descriptor/index.js';
import { isDateTime } from '../../src/descriptor/schema.js';

describe('provider', () => {
  it('is a plain name, or an ocm1 JSON document with labels', () => {
    assert.deepEqual(parseProvider('acme.org'), { name: 'acme.org' });
    assert.deepEqual(parseProvider('{"name":"acme","labels":[{"name":"l","value":1}]}'), {
      name: 'acme',
      labels: [{ name: 'l', value: 1 }],
    });
    assert.deepEqual(parseProvider('{"name":"acme"}'), { name: 'acme' });
  });
  it('keeps a name that only looks like JSON', () => {
    assert.deepEqual(parseProvider('{acme}'), { name: '{acme}' });
    assert.deepEqual(parseProvider('{"labels":[]}'), { name: '{"labels":[]}' });
  });
});

describe('creation times', () => {
  it('accepts RFC 3339 date-times as Go writes them', () => {
    for (const t of ['2025-03-18T09:44:42Z', '2025-03-18T09:44:42.123456789+01:00', '2025-12-31t23:59:60z']) {
      assert.equal(isDateTime(t), true, t);
    }
  });
  it('refuses other dates and times', () => {
    for (const t of [
      '2025-03-18',
      '2025-03-18 09:44:42Z',
      '2025-13-01T00:00:00Z',
      '2025-03-18T24:00:00Z',
      '2025-03-18T09:44:42',
      'yesterday',
    ]) {
      assert.equal(isDateTime(t), false, t);
    }
  });
});
