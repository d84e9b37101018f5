import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { InvalidDigestError } from '../../src/oci/errors.js';
import {
  canonicalHashAlgorithm,
  checkResourceDigest,
  descriptorDigest,
  ElementDigestMismatchError,
  EXCLUDED_DIGEST,
  genericBlobDigest,
  MissingDigestError,
  ociArtifactDigest,
  sameDigest,
  UnsupportedAlgorithmError,
  verifyResourceDigest,
} from '../../src/signing/index.js';

const testHex = '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08'; // sha256("test")
const bytes = new TextEncoder().encode('test');

describe('hash algorithm names', () => {
  it('accepts SHA-256/SHA-512 and the legacy sha256/sha512, writing the upper-case form', () => {
    for (const name of ['SHA-256', 'sha256', 'SHA256', 'sha-256'])
      assert.equal(canonicalHashAlgorithm(name), 'SHA-256');
    for (const name of ['SHA-512', 'sha512']) assert.equal(canonicalHashAlgorithm(name), 'SHA-512');
  });

  it('rejects others with UnsupportedAlgorithmError', () => {
    for (const name of ['SHA-384', 'md5', 'NO-DIGEST', '']) {
      assert.throws(
        () => canonicalHashAlgorithm(name),
        (e: unknown) => e instanceof UnsupportedAlgorithmError && e.code === 'UNSUPPORTED_ALGORITHM',
      );
    }
  });
});

describe('genericBlobDigest/v1', () => {
  it('hashes bytes, Node streams and web streams alike', async () => {
    const expected = {
      hashAlgorithm: 'SHA-256',
      normalisationAlgorithm: 'genericBlobDigest/v1',
      value: testHex,
    };
    assert.deepEqual(await genericBlobDigest(bytes), expected);
    assert.deepEqual(
      await genericBlobDigest(Readable.from([Buffer.from('te'), Buffer.from('st')])),
      expected,
    );
    const web = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(bytes.slice(0, 1));
        controller.enqueue(bytes.slice(1));
        controller.close();
      },
    });
    assert.deepEqual(await genericBlobDigest(web), expected);
  });

  it('uses SHA-512 when asked', async () => {
    const spec = await genericBlobDigest(bytes, { hash: 'sha512' });
    assert.equal(spec.hashAlgorithm, 'SHA-512');
    assert.equal(spec.value, createHash('sha512').update(bytes).digest('hex'));
  });

  it('stops when the signal aborts', async () => {
    const controller = new AbortController();
    async function* chunks() {
      yield bytes;
      controller.abort(new Error('stop'));
      yield bytes;
    }
    await assert.rejects(genericBlobDigest(chunks(), { signal: controller.signal }), /stop/);
  });
});

describe('ociArtifactDigest/v1 and comparisons', () => {
  it('takes the manifest digest apart', () => {
    assert.deepEqual(ociArtifactDigest(`sha256:${testHex}`), {
      hashAlgorithm: 'SHA-256',
      normalisationAlgorithm: 'ociArtifactDigest/v1',
      value: testHex,
    });
    assert.throws(() => ociArtifactDigest('sha256:xyz'), InvalidDigestError);
  });

  it('sameDigest treats legacy hash spellings and hex case as equal, nothing else', () => {
    const a = { hashAlgorithm: 'sha256', normalisationAlgorithm: 'genericBlobDigest/v1', value: testHex };
    assert.ok(sameDigest(a, { ...a, hashAlgorithm: 'SHA-256', value: testHex.toUpperCase() }));
    assert.ok(!sameDigest(a, { ...a, normalisationAlgorithm: 'ociArtifactDigest/v1' }));
    assert.ok(!sameDigest(a, { ...a, hashAlgorithm: 'SHA-512' }));
    assert.ok(!sameDigest(a, { ...a, value: '0'.repeat(64) }));
    assert.ok(sameDigest(EXCLUDED_DIGEST, { ...EXCLUDED_DIGEST }));
    assert.ok(!sameDigest(a, EXCLUDED_DIGEST));
  });

  it('descriptorDigest reproduces the conformance vector hash', () => {
    const dir = new URL('../fixtures/normalisation/v3-ocmcli-0.27.0/', import.meta.url);
    const cd = parse(readFileSync(new URL('input.yaml', dir), 'utf8'));
    assert.deepEqual(descriptorDigest(cd, { normalisation: 'jsonNormalisation/v3' }), {
      hashAlgorithm: 'SHA-256',
      normalisationAlgorithm: 'jsonNormalisation/v3',
      value: 'c97c44a4dca9fc85d4e634a617b662f72935cc202d52a46aa9367c937458b35b',
    });
    assert.throws(
      () => descriptorDigest(cd, { normalisation: 'jsonNormalisation/v0' }),
      UnsupportedAlgorithmError,
    );
  });
});

describe('resource digests', () => {
  const resource = (digest: unknown) => ({
    name: 'blob',
    extraIdentity: { os: 'linux' },
    version: '1',
    digest,
  });
  const generic = {
    hashAlgorithm: 'SHA-256',
    normalisationAlgorithm: 'genericBlobDigest/v1',
    value: testHex,
  };

  it('passes matching content and fails other content naming the identity', async () => {
    assert.deepEqual(await verifyResourceDigest(resource(generic), bytes), generic);
    await assert.rejects(
      verifyResourceDigest(resource(generic), new TextEncoder().encode('tesT')),
      (e: unknown) => {
        assert.ok(e instanceof ElementDigestMismatchError);
        assert.deepEqual(e.identity, { name: 'blob', os: 'linux' });
        assert.equal(e.kind, 'resource');
        return true;
      },
    );
  });

  it('does not read content excluded from the signature', async () => {
    async function* never(): AsyncGenerator<Uint8Array> {
      yield* [];
      throw new Error('content was read');
    }
    assert.deepEqual(await verifyResourceDigest(resource(EXCLUDED_DIGEST), never()), EXCLUDED_DIGEST);
  });

  it('needs a digest, and leaves ociArtifactDigest/v1 to checkResourceDigest', async () => {
    await assert.rejects(verifyResourceDigest(resource(null), bytes), MissingDigestError);
    const oci = ociArtifactDigest(`sha256:${testHex}`);
    await assert.rejects(verifyResourceDigest(resource(oci), bytes), UnsupportedAlgorithmError);
    checkResourceDigest(resource(oci), ociArtifactDigest(`sha256:${testHex}`));
    assert.throws(
      () => checkResourceDigest(resource(oci), ociArtifactDigest(`sha256:${'1'.repeat(64)}`)),
      ElementDigestMismatchError,
    );
    assert.throws(() => checkResourceDigest(resource({ value: 1 }), oci), InvalidDigestError);
  });

  it('accepts the ocm2 form of an OCI artifact digest (genericBlobDigest/v1 carrying the manifest digest)', () => {
    const ocm2 = { ...generic };
    checkResourceDigest(resource(ocm2), ociArtifactDigest(`sha256:${testHex}`));
    assert.throws(
      () => checkResourceDigest(resource(ocm2), ociArtifactDigest(`sha256:${'1'.repeat(64)}`)),
      ElementDigestMismatchError,
    );
    // the converse is not implied: a stored ociArtifactDigest/v1 is not matched by a blob digest
    assert.throws(
      () => checkResourceDigest(resource(ociArtifactDigest(`sha256:${testHex}`)), generic),
      ElementDigestMismatchError,
    );
  });
});
