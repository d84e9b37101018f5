import assert from 'node:assert/strict';
import { createReadStream, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { normalise } from '../../src/descriptor/normalisation/index.js';
import { OcmError } from '../../src/errors.js';
import { DigestMismatchError } from '../../src/oci/errors.js';
import {
  DescriptorDigestMismatchError,
  ElementDigestMismatchError,
  RSASSA_PKCS1_V1_5,
  SignatureNotFoundError,
  SignatureVerificationError,
  signMessage,
  verifyDescriptor,
  verifyResourceDigest,
} from '../../src/signing/index.js';

// ocm1 api/ocm/tools/signing/signingtest/testdata/compat (spec section 7.6)
const dir = new URL('../fixtures/signing/ocm1-rsa-pkcs1-v1/', import.meta.url);
const blobName = 'sha256.c893900c1106f13d55648a425f502dd6518e40eaa3ac7d24023d4c73d55dc12e';
const blobUrl = new URL(`component-archive/blobs/${blobName}`, dir);
const publicKey = readFileSync(new URL('rsa.pub', dir), 'utf8');
const privateKey = readFileSync(new URL('rsa.priv', dir), 'utf8');
/** The parts of the fixture descriptor the tests touch. */
interface Fixture {
  meta: { schemaVersion: string };
  component: {
    version: string;
    repositoryContexts: unknown[];
    sources: unknown[];
    resources: [{ digest: { value: string }; access: { localReference: string } }];
  };
  signatures: [{ signature: { value: string } }];
}
const load = (): Fixture =>
  parse(readFileSync(new URL('component-archive/component-descriptor.yaml', dir), 'utf8'));
const storedDigest = 'b06e4c1a68274b876661f9fbf1f100526d289745f6ee847bfef702007b5b14cf';

describe('legacy ocm1 signature (RSASSA-PKCS1-V1_5 over jsonNormalisation/v1, hash "sha256")', () => {
  it('verifies with rsa.pub, by name and as the only signature', () => {
    const entry = verifyDescriptor(load(), { name: 'test', publicKey });
    assert.equal(entry.digest.value, storedDigest);
    assert.equal(entry.digest.hashAlgorithm, 'sha256');
    assert.equal(verifyDescriptor(load(), { publicKey }).name, 'test');
  });

  it('is reproduced byte for byte by signing the v1 form without extraIdentity: null with rsa.priv', () => {
    const cd = load();
    const signature = signMessage(
      normalise(cd, 'jsonNormalisation/v1', { v1ExtraIdentityNull: false }),
      privateKey,
      {
        algorithm: RSASSA_PKCS1_V1_5,
      },
    );
    assert.equal(signature.value, cd.signatures[0].signature.value);
    assert.equal(signature.mediaType, 'application/vnd.ocm.signature.rsa');
  });

  it('the 17-byte blob matches the resource digest, in memory and streamed', async () => {
    const blob = readFileSync(blobUrl);
    assert.equal(blob.byteLength, 17);
    const resource = load().component.resources[0];
    assert.equal((await verifyResourceDigest(resource, blob)).value, blobName.slice('sha256.'.length));
    await verifyResourceDigest(resource, createReadStream(blobUrl, { highWaterMark: 5 }));
  });

  it('a flipped byte in the blob fails naming the resource and both digests', async () => {
    const blob = Buffer.from(readFileSync(blobUrl));
    blob[3]! ^= 0x01;
    const resource = load().component.resources[0];
    await assert.rejects(verifyResourceDigest(resource, blob), (e: unknown) => {
      assert.ok(e instanceof ElementDigestMismatchError && e instanceof DigestMismatchError);
      assert.equal(e.code, 'DIGEST_MISMATCH');
      assert.deepEqual(e.identity, { name: 'text' });
      assert.equal(e.stored.value, blobName.slice('sha256.'.length));
      assert.notEqual(e.computed.value, e.stored.value);
      assert.match(e.message, /resource \{"name":"text"\}/);
      return true;
    });
  });

  it('a changed signed descriptor field fails with stored vs computed digest', () => {
    for (const change of [
      (cd: Fixture) => {
        cd.component.version = '1.0.1';
      },
      (cd: Fixture) => {
        cd.component.resources[0].digest.value = 'c'.repeat(64);
      },
      (cd: Fixture) => {
        cd.meta.schemaVersion = 'v3';
      },
    ]) {
      const cd = load();
      change(cd);
      assert.throws(
        () => verifyDescriptor(cd, { name: 'test', publicKey }),
        (e: unknown) => {
          assert.ok(e instanceof DescriptorDigestMismatchError);
          assert.equal(e.signatureName, 'test');
          assert.equal(e.stored.value, storedDigest);
          assert.notEqual(e.computed.value, storedDigest);
          assert.match(
            e.message,
            new RegExp(`stored as sha256:${storedDigest} but computes to SHA-256:${e.computed.value}`),
          );
          return true;
        },
      );
    }
  });

  it('changes outside the signed part keep it valid', () => {
    const cd = load();
    cd.component.repositoryContexts = [{ type: 'OCIRegistry', baseUrl: 'example.com' }];
    cd.component.resources[0].access.localReference = 'sha256:0000';
    cd.component.sources = [{ name: 's', version: '1', type: 'git', access: { type: 'github' } }];
    assert.equal(verifyDescriptor(cd, { name: 'test', publicKey }).name, 'test');
  });

  it('a tampered signature value fails with SignatureVerificationError', () => {
    const cd = load();
    const value: string = cd.signatures[0].signature.value;
    cd.signatures[0].signature.value = (value[0] === '4' ? '5' : '4') + value.slice(1);
    assert.throws(
      () => verifyDescriptor(cd, { name: 'test', publicKey }),
      (e: unknown) => {
        assert.ok(e instanceof SignatureVerificationError);
        assert.equal(e.code, 'SIGNATURE_INVALID');
        assert.equal(e.signatureName, 'test');
        return true;
      },
    );
  });

  it('an unknown signature name is NOT_FOUND', () => {
    assert.throws(
      () => verifyDescriptor(load(), { name: 'other', publicKey }),
      (e: unknown) =>
        e instanceof SignatureNotFoundError &&
        e instanceof OcmError &&
        e.code === 'NOT_FOUND' &&
        /"test"/.test(e.message),
    );
  });
});
