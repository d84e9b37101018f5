/**
 * Signing stored component versions, the cases that do not depend on the backend (run on a CTF
 * directory): other hashes, normalisations and encodings through the repository path, referenced
 * content tampered with, truncated blobs, cancellation, and writers racing the signer.
 */
import assert from 'node:assert/strict';
import { cp, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { blobFileName } from '../../src/ctf/blob-names.js';
import { CtfStore } from '../../src/ctf/store.js';
import type { DescriptorV2, Identity } from '../../src/descriptor/index.js';
import type { OperationOptions } from '../../src/oci/content/storage.js';
import {
  type AddComponentVersionOptions,
  ComponentVersionChangedError,
  OcmRepository,
  ResourceContentError,
  signComponentVersion,
  verifyComponentVersion,
} from '../../src/repository/index.js';
import { ElementDigestMismatchError, InvalidKeyError, RSASSA_PKCS1_V1_5 } from '../../src/signing/index.js';
import { COMPONENT as C, descriptor, resource } from '../support/descriptors.js';
import { fixturesDir } from '../support/paths.js';
import { tempDir } from '../support/tmp.js';
import { addVersion, keys } from './signing-suite.js';

const CHILD = 'example.com/shop/payment';

/** A repository whose writers can be raced: `before` runs once, ahead of the next call of that method. */
class RacedRepository extends OcmRepository {
  beforeAdd: (() => Promise<void>) | undefined;
  beforeBlob: (() => Promise<void>) | undefined;

  override async addComponentVersion(d: DescriptorV2, o?: AddComponentVersionOptions) {
    const race = this.beforeAdd;
    this.beforeAdd = undefined;
    await race?.();
    return super.addComponentVersion(d, o);
  }

  override async getLocalResource(component: string, name: string, identity: Identity, o?: OperationOptions) {
    const race = this.beforeBlob;
    this.beforeBlob = undefined;
    await race?.();
    return super.getLocalResource(component, name, identity, o);
  }
}

async function withCtf(fn: (repo: RacedRepository, path: string) => Promise<void>) {
  const dir = await tempDir();
  const path = join(dir.path, 'transport-archive');
  const store = await CtfStore.open(path, { create: true });
  try {
    await fn(new RacedRepository(store), path);
  } finally {
    await store.close();
    await dir.remove();
  }
}

/** A copy of a Go-written fixture CTF, writable. */
async function withFixtureCopy(fixture: string, fn: (repo: OcmRepository) => Promise<void>) {
  const dir = await tempDir();
  const path = join(dir.path, 'transport-archive');
  await cp(join(fixturesDir, 'ctf', fixture), path, { recursive: true });
  const store = await CtfStore.open(path);
  try {
    await fn(new OcmRepository(store));
  } finally {
    await store.close();
    await dir.remove();
  }
}

async function rewriteBlob(ctf: string, digest: string, change: (bytes: Buffer) => Buffer) {
  const file = join(ctf, 'blobs', blobFileName(digest));
  await writeFile(file, change(await readFile(file)));
}

describe('signing stored component versions: options and edges (CTF directory)', () => {
  it('SHA-512, jsonNormalisation/v3 and PEM encoding through the repository; references verify with their stored settings', () =>
    withCtf(async (repo) => {
      await addVersion(repo, '1.0.0', { component: CHILD, digest: false });
      await addVersion(repo, '1.0.0', {
        digest: false,
        references: [{ name: 'payment', componentName: CHILD, version: '1.0.0' }],
      });
      const signed = await signComponentVersion(repo, C, '1.0.0', {
        name: 'acme',
        privateKey: keys.privateKey,
        hash: 'sha512',
        normalisation: 'jsonNormalisation/v3',
        encoding: 'pem',
        algorithm: RSASSA_PKCS1_V1_5,
      });
      assert.deepEqual(
        [signed.signature.digest.hashAlgorithm, signed.signature.digest.normalisationAlgorithm],
        ['SHA-512', 'jsonNormalisation/v3'],
      );
      assert.equal(signed.signature.digest.value.length, 128);
      assert.deepEqual(
        [signed.references[0]!.digest.hashAlgorithm, signed.references[0]!.digest.normalisationAlgorithm],
        ['SHA-512', 'jsonNormalisation/v3'],
      );
      // Resource digests computed from content stay SHA-256 whatever the signature hash.
      assert.equal(signed.resources[0]!.check, 'computed');
      assert.equal(signed.resources[0]!.digest!.hashAlgorithm, 'SHA-256');
      const { descriptor: d } = await repo.getComponentVersion(C, '1.0.0');
      assert.equal(d.signatures![0]!.signature.mediaType, 'application/x-pem-file');
      assert.match(d.signatures![0]!.signature.value, /^-----BEGIN SIGNATURE-----/);
      const verified = await verifyComponentVersion(repo, C, '1.0.0', {
        name: 'acme',
        publicKey: keys.publicKey,
      });
      assert.equal(verified.signature.mediaType, 'application/x-pem-file');
      assert.equal(verified.signature.algorithm, RSASSA_PKCS1_V1_5);
    }));

  it('a second signature in other settings keeps the stored reference digests, so the first still verifies', () =>
    withCtf(async (repo) => {
      await addVersion(repo, '1.0.0', { component: CHILD });
      await addVersion(repo, '1.0.0', {
        references: [{ name: 'payment', componentName: CHILD, version: '1.0.0' }],
      });
      const first = await signComponentVersion(repo, C, '1.0.0', {
        name: 'acme',
        privateKey: keys.privateKey,
      });
      const second = await signComponentVersion(repo, C, '1.0.0', {
        name: 'audit',
        privateKey: keys.privateKey,
        normalisation: 'jsonNormalisation/v3',
        hash: 'SHA-512',
      });
      assert.deepEqual(second.references[0]!.digest, first.references[0]!.digest);
      assert.equal(second.references[0]!.digest.normalisationAlgorithm, 'jsonNormalisation/v4alpha1');
      for (const name of ['acme', 'audit']) {
        const ok = await verifyComponentVersion(repo, C, '1.0.0', { name, publicKey: keys.publicKey });
        assert.equal(ok.signature.name, name);
      }
      const { descriptor: d } = await repo.getComponentVersion(C, '1.0.0');
      assert.deepEqual(
        d.signatures?.map((s) => [s.name, s.digest.normalisationAlgorithm, s.digest.hashAlgorithm]),
        [
          ['acme', 'jsonNormalisation/v4alpha1', 'SHA-256'],
          ['audit', 'jsonNormalisation/v3', 'SHA-512'],
        ],
      );
    }));

  it('ocm1 artifact set as a local blob: its ociArtifactDigest/v1 is the main manifest inside the tar', () =>
    withFixtureCopy('ocm1-helloworld-ociartifact/with-resource', async (repo) => {
      const hello = 'github.com/acme.org/helloworld';
      const main = '62be4af3382a4493cb7f1dd4ec47bcb28f1863b615fc9e4a1dceefbe93898dd0';
      const signed = await signComponentVersion(repo, hello, '1.0.0', {
        name: 'acme',
        privateKey: keys.privateKey,
      });
      assert.deepEqual(signed.resources, [
        {
          identity: { name: 'mychart' },
          digest: { hashAlgorithm: 'SHA-256', normalisationAlgorithm: 'ociArtifactDigest/v1', value: main },
          check: 'content',
        },
      ]);
      const verified = await verifyComponentVersion(repo, hello, '1.0.0', { publicKey: keys.publicKey });
      assert.equal(verified.resources[0]!.check, 'content');

      // A stored digest naming another artifact is refused, with both digests.
      const { descriptor: d } = await repo.getComponentVersion(hello, '1.0.0');
      d.component.resources![0]!.digest!.value = 'b'.repeat(64);
      await repo.addComponentVersion(d, { conflict: 'replace' });
      await assert.rejects(
        signComponentVersion(repo, hello, '1.0.0', { name: 'acme', privateKey: keys.privateKey }),
        (err: unknown) =>
          err instanceof ElementDigestMismatchError &&
          err.identity.name === 'mychart' &&
          err.computed.value === main &&
          err.stored.value === 'b'.repeat(64),
      );
    }));

  it('resources of one name are told apart by version: each is read as itself and named with its version', () =>
    withCtf(async (repo) => {
      const add = (version: string, content: string) =>
        repo.addLocalResource(C, resource('blob', { version }), {
          content: new TextEncoder().encode(content),
          mediaType: 'text/plain',
        });
      const one = await add('1.0.0', 'first');
      const two = await add('2.0.0', 'second');
      delete one.digest;
      await repo.addComponentVersion(descriptor('1.0.0', { resources: [one, two] }));
      const signed = await signComponentVersion(repo, C, '1.0.0', {
        name: 'acme',
        privateKey: keys.privateKey,
      });
      assert.deepEqual(
        signed.resources.map((r) => [r.identity, r.check]),
        [
          [{ name: 'blob', version: '1.0.0' }, 'computed'],
          [{ name: 'blob', version: '2.0.0' }, 'content'],
        ],
      );
      const { descriptor: d } = await repo.getComponentVersion(C, '1.0.0');
      d.component.resources![1]!.digest = d.component.resources![0]!.digest;
      await repo.addComponentVersion(d, { conflict: 'replace' });
      await assert.rejects(
        signComponentVersion(repo, C, '1.0.0', { name: 'acme', privateKey: keys.privateKey }),
        (err: unknown) =>
          err instanceof ElementDigestMismatchError &&
          err.message.includes('{"name":"blob","version":"2.0.0"}'),
      );
    }));

  it('signs and verifies through a computed alias (latest without a stored tag), saying so', () =>
    withCtf(async (repo) => {
      await addVersion(repo, '1.0.0');
      await addVersion(repo, '1.1.0');
      const signed = await signComponentVersion(repo, C, 'latest', {
        name: 'acme',
        privateKey: keys.privateKey,
      });
      assert.deepEqual([signed.version, signed.kind, signed.movedAliases], ['1.1.0', 'computed', []]);
      const verified = await verifyComponentVersion(repo, C, 'latest', { publicKey: keys.publicKey });
      assert.deepEqual(
        [verified.version, verified.kind, verified.digest],
        ['1.1.0', 'computed', signed.digest],
      );
      await assert.rejects(verifyComponentVersion(repo, C, '1.0.0', { publicKey: keys.publicKey }), {
        code: 'NOT_FOUND',
      });
    }));

  it('a tampered local blob of a referenced version fails verification of the referrer, naming that version and resource', () =>
    withCtf(async (repo, path) => {
      const child = await addVersion(repo, '1.0.0', { component: CHILD, content: 'payment', digest: false });
      await addVersion(repo, '1.0.0', {
        references: [{ name: 'payment', componentName: CHILD, version: '1.0.0' }],
      });
      await signComponentVersion(repo, C, '1.0.0', { name: 'acme', privateKey: keys.privateKey });
      await repo.addComponentVersionAlias(C, '1.0.0', 'prod');
      await rewriteBlob(path, child.blobDigest, (b) => Buffer.from(b.map((x) => x ^ 1)));
      await assert.rejects(
        verifyComponentVersion(repo, C, 'prod', { publicKey: keys.publicKey }),
        (err: unknown) =>
          err instanceof ElementDigestMismatchError &&
          err.kind === 'resource' &&
          err.identity.name === 'blob' &&
          err.message.includes(`${CHILD}:1.0.0`) &&
          err.message.includes(child.blobDigest),
      );
    }));

  it('a truncated local blob is a ResourceContentError naming the resource and the blob', () =>
    withCtf(async (repo, path) => {
      const { blobDigest } = await addVersion(repo, '1.0.0');
      await signComponentVersion(repo, C, '1.0.0', { name: 'acme', privateKey: keys.privateKey });
      await rewriteBlob(path, blobDigest, (b) => b.subarray(0, b.length - 3));
      await assert.rejects(
        verifyComponentVersion(repo, C, '1.0.0', { publicKey: keys.publicKey }),
        (err: unknown) =>
          err instanceof ResourceContentError &&
          err.identity.name === 'blob' &&
          err.code === 'RESOURCE_CONTENT_INVALID' &&
          err.message.includes(blobDigest),
      );
    }));

  it('an unreadable key fails before anything is read or written', () =>
    withCtf(async (repo) => {
      const { digest } = await addVersion(repo, '1.0.0');
      await assert.rejects(
        signComponentVersion(repo, C, '1.0.0', { name: 'acme', privateKey: keys.publicKey }),
        InvalidKeyError,
      );
      await assert.rejects(
        verifyComponentVersion(repo, C, '1.0.0', { publicKey: 'not a key' }),
        InvalidKeyError,
      );
      assert.equal((await repo.resolveComponentVersion(C, '1.0.0')).digest, digest);
    }));

  it('an aborted signal stops signing and leaves the version as it was', () =>
    withCtf(async (repo) => {
      const { digest } = await addVersion(repo, '1.0.0');
      const controller = new AbortController();
      repo.beforeBlob = async () => controller.abort(new Error('stop'));
      await assert.rejects(
        signComponentVersion(repo, C, '1.0.0', {
          name: 'acme',
          privateKey: keys.privateKey,
          signal: controller.signal,
        }),
        /stop/,
      );
      assert.equal((await repo.resolveComponentVersion(C, '1.0.0')).digest, digest);
    }));

  it('a version replaced while its resources are read is reported, and nothing is written', () =>
    withCtf(async (repo) => {
      await addVersion(repo, '1.0.0');
      let raced = '';
      repo.beforeBlob = async () => {
        raced = (await addVersion(repo, '1.0.0', { content: 'concurrent', replace: true })).digest;
      };
      await assert.rejects(
        signComponentVersion(repo, C, '1.0.0', { name: 'acme', privateKey: keys.privateKey }),
        ComponentVersionChangedError,
      );
      assert.equal(
        (await repo.resolveComponentVersion(C, '1.0.0')).digest,
        raced,
        'the concurrent write stays',
      );
    }));

  it('a version replaced between the last check and the write is reported, not hidden', () =>
    withCtf(async (repo) => {
      const { digest: original } = await addVersion(repo, '1.0.0');
      let raced = '';
      repo.beforeAdd = async () => {
        raced = (await addVersion(repo, '1.0.0', { content: 'concurrent', replace: true })).digest;
      };
      await assert.rejects(
        signComponentVersion(repo, C, '1.0.0', { name: 'acme', privateKey: keys.privateKey }),
        (err: unknown) =>
          err instanceof ComponentVersionChangedError &&
          err.message.includes(original) &&
          err.message.includes(raced),
      );
    }));
});
