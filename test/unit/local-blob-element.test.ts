/**
 * `localBlobElement`: the one function that turns a stored local blob into a resource or source
 * element (access and digest spec), used by the repository, transfer and the constructor.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import type { Resource, Source } from '../../src/descriptor/index.js';
import { MemoryStore } from '../../src/oci/content/memory.js';
import { digestOf } from '../../src/oci/digest.js';
import { OcmRepository } from '../../src/repository/index.js';
import { localBlobElement } from '../../src/repository/local-blobs.js';
import { COMPONENT as C, descriptor, resource } from '../support/descriptors.js';

const hex256 = 'a'.repeat(64);
const hex512 = 'b'.repeat(128);
const source: Source = { name: 'src', version: '1.0.0', type: 'git', access: { type: 'none' } };

describe('localBlobElement', () => {
  it('a plain blob: localBlob access and genericBlobDigest/v1, labelled by the digest algorithm', () => {
    const r256 = localBlobElement(resource('a'), { digest: `sha256:${hex256}`, mediaType: 'text/plain' });
    assert.deepEqual(r256.access, {
      type: 'localBlob',
      localReference: `sha256:${hex256}`,
      mediaType: 'text/plain',
    });
    assert.deepEqual(r256.digest, {
      hashAlgorithm: 'SHA-256',
      normalisationAlgorithm: 'genericBlobDigest/v1',
      value: hex256,
    });
    const r512 = localBlobElement(resource('b'), { digest: `sha512:${hex512}`, mediaType: 'text/plain' });
    assert.deepEqual(r512.digest, {
      hashAlgorithm: 'SHA-512',
      normalisationAlgorithm: 'genericBlobDigest/v1',
      value: hex512,
    });
  });

  it('an OCI manifest or index: ociArtifactDigest/v1 of the manifest digest, referenceName kept in the access', () => {
    const r = localBlobElement(resource('img'), {
      digest: `sha512:${hex512}`,
      mediaType: 'application/vnd.oci.image.index.v1+json',
      referenceName: 'acme/img',
    });
    assert.deepEqual(r.access, {
      type: 'localBlob',
      localReference: `sha512:${hex512}`,
      mediaType: 'application/vnd.oci.image.index.v1+json',
      referenceName: 'acme/img',
    });
    assert.deepEqual(r.digest, {
      hashAlgorithm: 'SHA-512',
      normalisationAlgorithm: 'ociArtifactDigest/v1',
      value: hex512,
    });
  });

  it('keeps a digest the resource has; a source gets no digest; the input is not changed', () => {
    const given: Resource = resource('a', {
      digest: { hashAlgorithm: 'SHA-256', normalisationAlgorithm: 'genericBlobDigest/v1', value: hex256 },
    });
    const out = localBlobElement(given, { digest: `sha512:${hex512}`, mediaType: 'text/plain' });
    assert.equal(out.digest, given.digest);
    assert.deepEqual(given.access, { type: 'none' });
    const s = localBlobElement(source, { digest: `sha256:${hex256}`, mediaType: 'text/plain' });
    assert.equal('digest' in s, false);
    assert.equal(s.access.type, 'localBlob');
  });

  it('addLocalResource with a sha512 blob labels its digest SHA-512, and the version stores it', async () => {
    const repo = new OcmRepository(new MemoryStore());
    const content = Buffer.from('sha512 content');
    const digest = digestOf(content, 'sha512');
    const stored = await repo.addLocalResource(C, resource('cfg'), {
      content,
      mediaType: 'text/plain',
      digest,
    });
    assert.deepEqual(stored.digest, {
      hashAlgorithm: 'SHA-512',
      normalisationAlgorithm: 'genericBlobDigest/v1',
      value: createHash('sha512').update(content).digest('hex'),
    });
    await repo.addComponentVersion(descriptor('1.0.0', { resources: [stored] }));
    const { descriptor: back } = await repo.getComponentVersion(C, '1.0.0');
    assert.deepEqual(back.component.resources?.[0]?.digest, stored.digest);
  });
});
