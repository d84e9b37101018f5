import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import {
  NormalisationError,
  normalise,
  normaliseToString,
  UnsafeNumberError,
  UnsupportedAlgorithmError,
} from '../../src/descriptor/normalisation/index.js';
import { OcmError } from '../../src/errors.js';

const fixtures = new URL('../fixtures/', import.meta.url);
const conformance = new URL('normalisation/v3-ocmcli-0.27.0/', fixtures);
const legacy = new URL('signing/ocm1-rsa-pkcs1-v1/component-archive/component-descriptor.yaml', fixtures);

const sha256 = (bytes: Uint8Array | string) => createHash('sha256').update(bytes).digest('hex');
const ocmcli = () => parse(readFileSync(new URL('input.yaml', conformance), 'utf8'));

/** A small descriptor; `component` members can be overridden. */
function descriptor(component: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    meta: { schemaVersion: 'v2' },
    component: {
      name: 'acme.org/app',
      version: '1.0.0',
      provider: 'acme',
      repositoryContexts: [{ type: 'OCIRegistry', baseUrl: 'ghcr.io' }],
      resources: [],
      sources: [],
      componentReferences: [],
      ...component,
    },
  };
}

const v3 = (d: unknown) => JSON.parse(normaliseToString(d, 'jsonNormalisation/v3'));

describe('jsonNormalisation/v3 and v4alpha1 conformance vector (ocmcli 0.27.0)', () => {
  const expected = readFileSync(new URL('expected.json', conformance));
  for (const algorithm of ['jsonNormalisation/v3', 'jsonNormalisation/v4alpha1']) {
    it(`${algorithm} equals expected.json byte for byte`, () => {
      const bytes = normalise(ocmcli(), algorithm);
      assert.ok(Buffer.from(bytes).equals(expected), Buffer.from(bytes).toString('utf8'));
      assert.equal(sha256(bytes), 'c97c44a4dca9fc85d4e634a617b662f72935cc202d52a46aa9367c937458b35b');
    });
  }

  it('does not mutate its input', () => {
    const input = ocmcli();
    const before = structuredClone(input);
    normalise(input, 'jsonNormalisation/v2');
    normalise(input, 'jsonNormalisation/v1');
    assert.deepEqual(input, before);
  });

  it('jsonNormalisation/v2 equals v3 when no identities clash', () => {
    assert.equal(
      normaliseToString(ocmcli(), 'jsonNormalisation/v2'),
      normaliseToString(ocmcli(), 'jsonNormalisation/v3'),
    );
  });
});

describe('shared rules of v2/v3/v4alpha1', () => {
  it('keeps only signing labels, and only name/version/value/signing of them', () => {
    const out = v3(
      descriptor({
        labels: [
          { name: 'a', value: 1, signing: true, mergeAlgorithm: 'x', merge: { algorithm: 'y' } },
          { name: 'b', value: 2, signing: 'true', version: 'v2' },
          { name: 'c', value: 3, signing: false },
          { name: 'd', value: 4 },
        ],
      }),
    );
    assert.deepEqual(out.component.labels, [
      { name: 'a', value: 1, signing: true },
      { name: 'b', value: 2, signing: 'true', version: 'v2' },
    ]);
  });

  it('omits the labels key when no signing label remains', () => {
    const out = v3(descriptor({ labels: [{ name: 'd', value: 4 }] }));
    assert.ok(!('labels' in out.component));
  });

  it('turns the provider into an object, parsing JSON providers and filtering their labels', () => {
    assert.deepEqual(v3(descriptor()).component.provider, { name: 'acme' });
    const json = JSON.stringify({
      name: 'acme',
      labels: [
        { name: 'x', value: 1 },
        { name: 'y', value: 2, signing: true },
      ],
    });
    assert.deepEqual(v3(descriptor({ provider: json })).component.provider, {
      name: 'acme',
      labels: [{ name: 'y', value: 2, signing: true }],
    });
    assert.deepEqual(v3(descriptor({ provider: 'null' })).component.provider, {});
  });

  it('drops access and srcRefs of resources, access of sources, and the digest of none-access resources', () => {
    const digest = { hashAlgorithm: 'SHA-256', normalisationAlgorithm: 'genericBlobDigest/v1', value: 'ab' };
    const out = v3(
      descriptor({
        resources: [
          {
            name: 'r1',
            version: '1',
            type: 't',
            relation: 'local',
            access: { type: 'localBlob' },
            srcRefs: [{}],
            digest,
          },
          { name: 'r2', version: '1', type: 't', relation: 'external', access: { type: 'none' }, digest },
        ],
        sources: [{ name: 's', version: '1', type: 'git', access: { type: 'github' } }],
      }),
    );
    assert.deepEqual(out.component.resources, [
      { name: 'r1', version: '1', type: 't', relation: 'local', digest },
      { name: 'r2', version: '1', type: 't', relation: 'external' },
    ]);
    assert.deepEqual(out.component.sources, [{ name: 's', version: '1', type: 'git' }]);
  });

  it('keeps component references verbatim, non-signing labels included (as both Go generations do)', () => {
    const ref = { name: 'r', componentName: 'acme.org/lib', version: '1', labels: [{ name: 'n', value: 1 }] };
    assert.deepEqual(v3(descriptor({ componentReferences: [ref] })).component.componentReferences, [ref]);
  });

  it('drops meta, signatures, nestedDigests, repositoryContexts and null members; keeps creationTime', () => {
    const input = descriptor({ creationTime: '2025-01-01T00:00:00Z', labels: null });
    input.signatures = [{ name: 'x' }];
    input.nestedDigests = [];
    const out = v3(input);
    assert.deepEqual(Object.keys(out), ['component']);
    assert.equal(out.component.creationTime, '2025-01-01T00:00:00Z');
    assert.ok(!('repositoryContexts' in out.component));
    assert.ok(!('labels' in out.component));
  });

  it('writes missing or null lists as []', () => {
    const input = descriptor();
    const component = input.component as Record<string, unknown>;
    delete component.resources;
    component.sources = null;
    const out = v3(input);
    assert.deepEqual(
      [out.component.resources, out.component.sources, out.component.componentReferences],
      [[], [], []],
    );
  });

  it('keeps members named __proto__ as ordinary members', () => {
    const value = JSON.parse('{"__proto__":{"x":1}}');
    const text = normaliseToString(
      descriptor({ labels: [{ name: 'l', signing: true, value }], ...JSON.parse('{"__proto__":"p"}') }),
      'jsonNormalisation/v4alpha1',
    );
    assert.match(text, /"value":\{"__proto__":\{"x":1\}\}/);
    assert.match(text, /"__proto__":"p"/);
  });

  it('drops null members at every depth but keeps nulls inside arrays', () => {
    const out = v3(descriptor({ labels: [{ name: 'l', signing: true, value: { a: null, b: [null, 1] } }] }));
    assert.deepEqual(out.component.labels[0].value, { b: [null, 1] });
  });
});

describe('legacy extra-identity defaulting', () => {
  const clash = () =>
    descriptor({
      resources: ['1', '2', '3'].map((version) => ({ name: 'r', version, type: 't', relation: 'local' })),
    });

  it('v2 adds the version to all but the last of a clashing group', () => {
    const out = JSON.parse(normaliseToString(clash(), 'jsonNormalisation/v2'));
    assert.deepEqual(
      out.component.resources.map((r: Record<string, unknown>) => r.extraIdentity),
      [{ version: '1' }, { version: '2' }, undefined],
    );
  });

  it('v3 leaves clashing identities alone', () => {
    const out = v3(clash());
    assert.ok(out.component.resources.every((r: Record<string, unknown>) => !('extraIdentity' in r)));
  });
});

describe('jsonNormalisation/v1 (generic format)', () => {
  const cd = () => parse(readFileSync(legacy, 'utf8'));

  it('without extraIdentity null reproduces the digest of the legacy signature', () => {
    const bytes = normalise(cd(), 'jsonNormalisation/v1', { v1ExtraIdentityNull: false });
    assert.equal(sha256(bytes), 'b06e4c1a68274b876661f9fbf1f100526d289745f6ee847bfef702007b5b14cf');
  });

  it('by default forces extraIdentity: null, as current ocm1 does', () => {
    const text = normaliseToString(cd(), 'jsonNormalisation/v1');
    assert.match(text, /\{"extraIdentity":null\}/);
    assert.notEqual(sha256(text), 'b06e4c1a68274b876661f9fbf1f100526d289745f6ee847bfef702007b5b14cf');
  });

  it('writes objects as sorted single-member entries, keeps meta, drops sources', () => {
    const text = normaliseToString(
      descriptor({ sources: [{ name: 's' }], provider: 'a<b>&c' }),
      'jsonNormalisation/v1',
      { v1ExtraIdentityNull: false },
    );
    assert.equal(
      text,
      '[{"component":[{"componentReferences":[]},{"name":"acme.org/app"},{"provider":"a\\u003cb\\u003e\\u0026c"},' +
        '{"resources":[]},{"version":"1.0.0"}]},{"meta":[{"schemaVersion":"v2"}]}]',
    );
  });

  it('filters component reference labels (unlike v2+)', () => {
    const ref = { name: 'r', componentName: 'acme.org/lib', version: '1', labels: [{ name: 'n', value: 1 }] };
    const text = normaliseToString(descriptor({ componentReferences: [ref] }), 'jsonNormalisation/v1');
    assert.ok(!text.includes('"labels"'), text);
    assert.match(text, /"extraIdentity":null/);
  });

  it('escapes U+2028/U+2029 and control characters as Go does, where JCS keeps them literal', () => {
    const withValue = descriptor({ labels: [{ name: 'z', value: '\u2028\u2029\u0001\n', signing: true }] });
    assert.match(
      normaliseToString(withValue, 'jsonNormalisation/v1'),
      /\{"value":"\\u2028\\u2029\\u0001\\n"\}/,
    );
    assert.match(normaliseToString(withValue, 'jsonNormalisation/v3'), /"value":"\u2028\u2029\\u0001\\n"/);
  });

  it('writes -0 as Go does', () => {
    const text = normaliseToString(
      descriptor({ labels: [{ name: 'z', value: -0, signing: true }] }),
      'jsonNormalisation/v1',
    );
    assert.match(text, /\{"value":-0\}/);
  });
});

describe('errors', () => {
  it('rejects integers of 2^53 and more in signed label values, accepts 2^53-1 and safe bigints', () => {
    const withValue = (value: unknown, signing = true) =>
      descriptor({ labels: [{ name: 'n', value, signing }] });
    for (const algorithm of ['jsonNormalisation/v4alpha1', 'jsonNormalisation/v1']) {
      assert.throws(() => normalise(withValue(2 ** 53), algorithm), UnsafeNumberError);
      assert.throws(
        () => normalise(withValue(2n ** 64n), algorithm),
        (e: unknown) => {
          assert.ok(e instanceof UnsafeNumberError);
          assert.equal(e.code, 'UNSAFE_NUMBER');
          assert.equal(e.path, '/component/labels/0/value');
          return true;
        },
      );
    }
    assert.match(
      normaliseToString(withValue(2 ** 53 - 1), 'jsonNormalisation/v3'),
      /"value":9007199254740991/,
    );
    assert.match(normaliseToString(withValue(12n), 'jsonNormalisation/v3'), /"value":12/);
    // a label that is not signed never reaches the hash, so its value does not matter
    assert.doesNotThrow(() => normalise(withValue(2 ** 60, false), 'jsonNormalisation/v3'));
  });

  it('rejects structural errors with NormalisationError naming the path', () => {
    assert.throws(() => normalise('x', 'jsonNormalisation/v3'), NormalisationError);
    assert.throws(() => normalise({ meta: {} }, 'jsonNormalisation/v3'), /component must be an object/);
    assert.throws(
      () => normalise(descriptor({ resources: 'nope' }), 'jsonNormalisation/v3'),
      (e: unknown) => e instanceof NormalisationError && e.path === '/component/resources',
    );
    assert.throws(
      () =>
        normalise(
          descriptor({ labels: [{ name: 'd', value: new Date(), signing: true }] }),
          'jsonNormalisation/v3',
        ),
      (e: unknown) => e instanceof NormalisationError && e.path === '/component/labels/0/value',
    );
  });

  it('rejects unknown algorithms', () => {
    assert.throws(
      () => normalise(descriptor(), 'jsonNormalisation/v9'),
      (e: unknown) =>
        e instanceof UnsupportedAlgorithmError && e instanceof OcmError && e.code === 'UNSUPPORTED_ALGORITHM',
    );
  });
});
