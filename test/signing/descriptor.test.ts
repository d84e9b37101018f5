import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { parse, stringify } from 'yaml';
import {
  canonicalJson,
  NormalisationError,
  UnsafeNumberError,
} from '../../src/descriptor/normalisation/index.js';
import { OcmError } from '../../src/errors.js';
import {
  AmbiguousSignatureError,
  DescriptorDigestMismatchError,
  EXCLUDED_DIGEST,
  MissingDigestError,
  RSASSA_PKCS1_V1_5,
  SignatureNotFoundError,
  SignatureVerificationError,
  signDescriptor,
  verifyDescriptor,
} from '../../src/signing/index.js';

const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const other = generateKeyPairSync('rsa', { modulusLength: 2048 });
const conformance = new URL('../fixtures/normalisation/v3-ocmcli-0.27.0/', import.meta.url);
const expectedJson = readFileSync(new URL('expected.json', conformance));

// biome-ignore lint/suspicious/noExplicitAny: tests poke at arbitrary descriptor members
type Json = any;
const load = (): Json => parse(readFileSync(new URL('input.yaml', conformance), 'utf8'));
const sign = (cd: unknown, extra: object = {}) =>
  signDescriptor(cd, { name: 'acme', privateKey, ...extra }) as Json;
const verifies = (cd: unknown) => verifyDescriptor(cd, { name: 'acme', publicKey });

describe('signDescriptor / verifyDescriptor round trip (ocmcli 0.27.0)', () => {
  it('signs the v4alpha1 digest with RSASSA-PSS by default and leaves the input alone', () => {
    const input = load();
    const before = structuredClone(input);
    const signed = sign(input);
    assert.deepEqual(input, before);
    assert.equal(signed.signatures.length, 1);
    const [entry] = signed.signatures;
    assert.deepEqual(entry.digest, {
      hashAlgorithm: 'SHA-256',
      normalisationAlgorithm: 'jsonNormalisation/v4alpha1',
      value: createHash('sha256').update(expectedJson).digest('hex'),
    });
    assert.equal(entry.signature.algorithm, 'RSASSA-PSS');
    assert.equal(entry.signature.mediaType, 'application/vnd.ocm.signature.rsa.pss');
    assert.equal(verifies(signed).name, 'acme');
  });

  it('survives a YAML round trip', () => {
    assert.equal(verifies(parse(stringify(sign(load())))).name, 'acme');
  });

  const unsigned: [string, (cd: Json) => void][] = [
    [
      'repositoryContexts',
      (cd) => cd.component.repositoryContexts.push({ type: 'OCIRegistry', baseUrl: 'example.com' }),
    ],
    ['a label without signing: true', (cd) => (cd.component.resources[0].labels[0].value = 'other')],
    ['a new non-signing component label', (cd) => (cd.component.labels = [{ name: 'note', value: 'x' }])],
    ['an access spec', (cd) => (cd.component.resources[5].access.imageReference = 'example.com/x:1')],
    ['a source access', (cd) => (cd.component.sources[0].access.commit = '0'.repeat(40))],
    ['meta', (cd) => (cd.meta.schemaVersion = 'v2.1')],
    ['srcRefs', (cd) => (cd.component.resources[0].srcRefs = [{ identitySelector: { name: 'source' } }])],
  ];
  for (const [what, change] of unsigned) {
    it(`changing ${what} keeps the signature valid`, () => {
      const signed = sign(load());
      change(signed);
      assert.equal(verifies(signed).name, 'acme');
    });
  }

  const signedFields: [string, (cd: Json) => void][] = [
    ['the version', (cd) => (cd.component.version = '0.27.1')],
    ['a resource digest', (cd) => (cd.component.resources[1].digest.value = '0'.repeat(64))],
    ['a label to signing: true', (cd) => (cd.component.resources[0].labels[0].signing = true)],
    ['a new signing label', (cd) => (cd.component.labels = [{ name: 'x', value: 1, signing: true }])],
    ['the provider', (cd) => (cd.component.provider = 'someone.else')],
    ['creationTime', (cd) => (cd.component.creationTime = '2025-07-28T11:40:52Z')],
    ['an extra identity', (cd) => (cd.component.resources[0].extraIdentity.os = 'plan9')],
    ['a resource removed', (cd) => cd.component.resources.pop()],
    [
      'a component reference added',
      (cd) => cd.component.componentReferences.push({ name: 'r', componentName: 'a.org/b', version: '1' }),
    ],
  ];
  for (const [what, change] of signedFields) {
    it(`changing ${what} breaks it with stored vs computed digest`, () => {
      const signed = sign(load(), { requireDigests: false });
      const stored = signed.signatures[0].digest.value;
      change(signed);
      assert.throws(
        () => verifies(signed),
        (e: unknown) =>
          e instanceof DescriptorDigestMismatchError &&
          e.stored.value === stored &&
          e.computed.value !== stored &&
          e.message.includes(stored) &&
          e.message.includes(e.computed.value),
      );
    });
  }

  it('changing a non-signing label of a component reference breaks it (Go rule keyed on `references`)', () => {
    const cd = load();
    cd.component.componentReferences = [
      {
        name: 'r',
        componentName: 'a.org/b',
        version: '1',
        digest: { ...EXCLUDED_DIGEST },
        labels: [{ name: 'l', value: 1 }],
      },
    ];
    const signed = sign(cd);
    signed.component.componentReferences[0].labels[0].value = 2;
    assert.throws(() => verifies(signed), DescriptorDigestMismatchError);
  });

  it('a wrong public key fails with SignatureVerificationError', () => {
    assert.throws(
      () => verifyDescriptor(sign(load()), { name: 'acme', publicKey: other.publicKey }),
      (e: unknown) => e instanceof SignatureVerificationError && e.signatureName === 'acme',
    );
  });
});

describe('signature options', () => {
  it('PKCS#1 v1.5, PEM, v3 and SHA-512: recorded as asked, deterministic, verifiable', () => {
    const options = {
      algorithm: RSASSA_PKCS1_V1_5,
      encoding: 'pem',
      normalisation: 'jsonNormalisation/v3',
      hash: 'sha512',
    };
    const a = sign(load(), options);
    const b = sign(load(), options);
    assert.deepEqual(a.signatures, b.signatures);
    const [entry] = a.signatures;
    assert.equal(entry.digest.hashAlgorithm, 'SHA-512');
    assert.equal(entry.digest.normalisationAlgorithm, 'jsonNormalisation/v3');
    assert.equal(entry.digest.value, createHash('sha512').update(expectedJson).digest('hex'));
    assert.equal(entry.signature.mediaType, 'application/x-pem-file');
    assert.match(entry.signature.value, /Signature Algorithm: RSASSA-PKCS1-V1_5/);
    assert.equal(verifies(a).name, 'acme');
  });

  it('signs and verifies with jsonNormalisation/v1 and v2', () => {
    for (const normalisation of ['jsonNormalisation/v1', 'jsonNormalisation/v2']) {
      assert.equal(verifies(sign(load(), { normalisation })).digest.normalisationAlgorithm, normalisation);
    }
  });

  it('replaces a signature of the same name in place and appends other names', () => {
    const once = sign(load());
    const twice = signDescriptor(once, { name: 'acme', privateKey, algorithm: RSASSA_PKCS1_V1_5 }) as Json;
    assert.equal(twice.signatures.length, 1);
    assert.equal(twice.signatures[0].signature.algorithm, RSASSA_PKCS1_V1_5);
    const both = signDescriptor(twice, { name: 'other', privateKey: other.privateKey }) as Json;
    assert.deepEqual(
      both.signatures.map((s: Json) => s.name),
      ['acme', 'other'],
    );
    assert.equal(verifyDescriptor(both, { name: 'other', publicKey: other.publicKey }).name, 'other');
    assert.equal(verifies(both).name, 'acme');
    assert.throws(() => verifyDescriptor(both, { publicKey }), AmbiguousSignatureError);
  });

  it('refuses to sign without resource digests unless told, but not for none access or excluded digests', () => {
    const cd = load();
    delete cd.component.resources[2].digest;
    assert.throws(
      () => sign(cd),
      (e: unknown) =>
        e instanceof MissingDigestError &&
        e.code === 'DIGEST_MISSING' &&
        e.identity.name === 'ocmcli' &&
        e.identity.os === 'darwin' &&
        e.identity.architecture === 'amd64',
    );
    assert.equal(verifies(sign(cd, { requireDigests: false })).name, 'acme');
    cd.component.resources[2].access = { type: 'none' };
    assert.equal(verifies(sign(cd)).name, 'acme');
    cd.component.resources[2].access = { type: 'localBlob' };
    cd.component.resources[2].digest = { ...EXCLUDED_DIGEST };
    assert.equal(verifies(sign(cd)).name, 'acme');
  });

  it('refuses component references without digest', () => {
    const cd = load();
    cd.component.componentReferences = [{ name: 'lib', componentName: 'acme.org/lib', version: '1.0.0' }];
    assert.throws(
      () => sign(cd),
      (e: unknown) => e instanceof MissingDigestError && e.identity.name === 'lib',
    );
  });

  it('a malformed foreign signature entry does not block verifying a named one', () => {
    const signed = sign(load());
    signed.signatures.push({ name: 'broken' });
    assert.equal(verifies(signed).name, 'acme');
    assert.throws(() => verifyDescriptor(signed, { name: 'broken', publicKey }), SignatureVerificationError);
  });

  it('a descriptor that cannot be copied is a typed error, not a DataCloneError', () => {
    const cd = load();
    cd.component.resources[0].access.hook = () => 1;
    assert.throws(() => sign(cd), NormalisationError);
  });

  it('property: signing and verifying arbitrary input only throws typed errors', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.anything(), fc.record({ component: fc.anything(), signatures: fc.anything() })),
        (input) => {
          for (const run of [() => sign(input), () => verifyDescriptor(input, { publicKey })]) {
            try {
              run();
            } catch (error) {
              assert.ok(error instanceof OcmError, `untyped: ${String(error)}`);
            }
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('an unsigned descriptor has no signature to verify', () => {
    assert.throws(() => verifyDescriptor(load(), { publicKey }), SignatureNotFoundError);
  });
});

/** The v4alpha1 view of a value: object members that are null do not exist (array elements stay). */
function withoutNullMembers(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutNullMembers);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([, v]) => v !== null)
      .map(([k, v]) => [k, withoutNullMembers(v)]),
  );
}

describe('property: signing labels', () => {
  it('any JSON value in a signing label is covered: equal canonical forms verify, others break', () => {
    const base = load();
    let equal = 0;
    let different = 0;
    // Half of the pairs are one value and a copy with its members in reverse order (the same
    // canonical form), so the "verifies" side is exercised, not only the "breaks" side.
    const pair = fc
      .jsonValue()
      .chain((before) =>
        fc.tuple(fc.constant(before), fc.oneof(fc.constant(reordered(before)), fc.jsonValue())),
      );
    fc.assert(
      fc.property(pair, ([before, after]) => {
        const cd = structuredClone(base);
        cd.component.labels = [{ name: 'prop', value: before, signing: true }];
        let signed: Json;
        try {
          signed = sign(cd, { algorithm: RSASSA_PKCS1_V1_5 });
        } catch (error) {
          assert.ok(error instanceof UnsafeNumberError);
          return;
        }
        signed.component.labels[0].value = after;
        if (canonicalJson(withoutNullMembers(before)) === canonicalJson(withoutNullMembers(after))) {
          equal++;
          assert.equal(verifies(signed).name, 'acme');
        } else {
          different++;
          assert.throws(
            () => verifies(signed),
            (e: unknown) => e instanceof DescriptorDigestMismatchError || e instanceof UnsafeNumberError,
          );
        }
      }),
      { numRuns: 100 },
    );
    assert.ok(equal >= 10 && different >= 10, `verified ${equal} equal and ${different} different pairs`);
  });
});

/** The same JSON value with the members of every object in reverse order. */
function reordered(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reordered);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value)
      .reverse()
      .map(([k, v]) => [k, reordered(v)]),
  );
}
