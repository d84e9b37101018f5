/** OCI primitives: digests, streaming verification, manifests, grammars, references. */
import assert from 'node:assert/strict';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, it } from 'node:test';
import { MemoryStore } from '../../src/oci/content/memory.js';
import { fetchAll } from '../../src/oci/content/read.js';
import {
  Digester,
  digestOf,
  isValidDigest,
  parseDigest,
  VerifyingStream,
  verifyBytes,
} from '../../src/oci/digest.js';
import {
  DigestMismatchError,
  InvalidDigestError,
  InvalidManifestError,
  InvalidReferenceError,
  SizeMismatchError,
  TooLargeError,
} from '../../src/oci/errors.js';
import { MAX_MANIFEST_SIZE, parseManifest, referencedDescriptors } from '../../src/oci/manifest.js';
import { isManifestType, MediaType } from '../../src/oci/mediatype.js';
import {
  formatReference,
  isValidRepository,
  isValidTag,
  parseReference,
  parseRemoteReference,
} from '../../src/oci/reference.js';
import { blob } from '../support/content.js';

const sink = () => new Writable({ write: (_c, _e, cb) => cb() });

describe('digests', () => {
  it('computes sha256 and sha512 and parses both', () => {
    assert.equal(digestOf(''), 'sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    const d512 = digestOf('abc', 'sha512');
    assert.equal(parseDigest(d512).algorithm, 'sha512');
    assert.equal(parseDigest(d512).encoded.length, 128);
    const digester = new Digester();
    digester.update(Buffer.from('ab'));
    digester.update(Buffer.from('c'));
    assert.equal(digester.size, 3);
    assert.equal(digester.digest(), digestOf('abc'));
  });

  it('refuses malformed and unsupported digests', () => {
    for (const bad of [
      '',
      'sha256',
      'sha256:',
      'sha256:abc',
      `sha256:${'A'.repeat(64)}`,
      `md5:${'a'.repeat(32)}`,
      `sha256:${'a'.repeat(63)}g`,
      `sha512:${'a'.repeat(64)}`,
      `SHA256:${'a'.repeat(64)}`,
    ]) {
      assert.throws(() => parseDigest(bad), InvalidDigestError, bad);
      assert.equal(isValidDigest(bad), false);
    }
  });

  it('verifies streams: early on oversize, at the end on short reads and wrong digests', async () => {
    const good = Buffer.from('hello world');
    const expected = { digest: digestOf(good), size: good.length };
    await pipeline(
      Readable.from([good.subarray(0, 5), good.subarray(5)]),
      new VerifyingStream(expected),
      sink(),
    );
    await assert.rejects(
      pipeline(Readable.from([good, Buffer.from('!')]), new VerifyingStream(expected), sink()),
      SizeMismatchError,
    );
    await assert.rejects(
      pipeline(Readable.from([good.subarray(0, 4)]), new VerifyingStream(expected), sink()),
      SizeMismatchError,
    );
    await assert.rejects(
      pipeline(Readable.from([Buffer.from('hello WORLD')]), new VerifyingStream(expected), sink()),
      DigestMismatchError,
    );
    assert.throws(() => verifyBytes(Buffer.from('hello WORLD'), expected), DigestMismatchError);
  });

  it('fetchAll checks size and digest and refuses content over its limit', async () => {
    const store = new MemoryStore();
    const repo = store.repository('a/b');
    const b = blob('content');
    await repo.push(b.descriptor, b.bytes);
    assert.equal(Buffer.from(await fetchAll(repo, b.descriptor)).toString(), 'content');
    await assert.rejects(fetchAll(repo, { ...b.descriptor, size: 3 }), SizeMismatchError);
    await assert.rejects(fetchAll(repo, b.descriptor, { maxSize: 3 }), TooLargeError);
  });
});

describe('manifests', () => {
  const config = blob('{}', MediaType.Empty);
  const layer = blob('layer');
  const manifest = {
    schemaVersion: 2,
    mediaType: MediaType.ImageManifest,
    config: config.descriptor,
    layers: [layer.descriptor],
  };

  it('parses image manifests and indexes, listing what they reference', () => {
    const m = parseManifest(Buffer.from(JSON.stringify(manifest)), MediaType.ImageManifest);
    assert.deepEqual(referencedDescriptors(m), [config.descriptor, layer.descriptor]);
    const index = {
      schemaVersion: 2,
      manifests: [{ mediaType: MediaType.ImageManifest, digest: digestOf('x'), size: 1 }],
    };
    assert.equal(
      referencedDescriptors(parseManifest(Buffer.from(JSON.stringify(index)), MediaType.ImageIndex)).length,
      1,
    );
    const docker = { ...manifest, mediaType: MediaType.DockerManifest };
    assert.ok(parseManifest(Buffer.from(JSON.stringify(docker)), MediaType.DockerManifest));
    assert.ok(isManifestType(MediaType.DockerManifestList) && !isManifestType(MediaType.OctetStream));
  });

  it('refuses malformed manifests with the failing path, and anything over 4 MiB', () => {
    const cases: [unknown, string, RegExp][] = [
      [[], MediaType.ImageManifest, /not a JSON object/],
      [{ ...manifest, schemaVersion: 1 }, MediaType.ImageManifest, /schemaVersion/],
      [{ ...manifest, mediaType: MediaType.ImageIndex }, MediaType.ImageManifest, /disagrees/],
      [{ ...manifest, layers: {} }, MediaType.ImageManifest, /layers: must be a list/],
      [
        { ...manifest, layers: [{ ...layer.descriptor, digest: 'sha256:nope' }] },
        MediaType.ImageManifest,
        /layers\[0\]\.digest/,
      ],
      [
        { ...manifest, layers: [{ ...layer.descriptor, size: -1 }] },
        MediaType.ImageManifest,
        /layers\[0\]\.size/,
      ],
      [
        { ...manifest, config: { ...config.descriptor, mediaType: 'not a type' } },
        MediaType.ImageManifest,
        /config\.mediaType/,
      ],
      [{ ...manifest, annotations: { a: 1 } }, MediaType.ImageManifest, /annotations/],
      [{ schemaVersion: 2 }, MediaType.ImageIndex, /manifests: must be a list/],
      [{ ...manifest, mediaType: undefined }, 'application/json', /not a manifest media type/],
    ];
    for (const [doc, type, pattern] of cases) {
      assert.throws(
        () => parseManifest(Buffer.from(JSON.stringify(doc)), type),
        (e: Error) => e instanceof InvalidManifestError && pattern.test(e.message),
        String(pattern),
      );
    }
    assert.throws(() => parseManifest(Buffer.from('{'), MediaType.ImageManifest), InvalidManifestError);
    assert.throws(
      () => parseManifest(new Uint8Array(MAX_MANIFEST_SIZE + 1), MediaType.ImageManifest),
      TooLargeError,
    );
  });
});

describe('grammars and references', () => {
  it('tags and repository names', () => {
    for (const ok of ['latest', '1.0.0', 'v1.0.0-rc.1', '_x', 'a'.repeat(128), '1.0.0.build-5'])
      assert.ok(isValidTag(ok), ok);
    for (const bad of ['', '-x', '.x', 'a'.repeat(129), 'a+b', 'a/b', 'a:b'])
      assert.ok(!isValidTag(bad), bad);
    for (const ok of ['a', 'a/b', 'component-descriptors/github.com/acme.org/helloworld', 'a__b', 'a--b'])
      assert.ok(isValidRepository(ok), ok);
    for (const bad of ['', 'A', 'a//b', '/a', 'a/', 'a___b', '-a', 'a.', 'x'.repeat(256)])
      assert.ok(!isValidRepository(bad), bad);
  });

  it('parses repo:tag, repo@digest and repo:tag@digest, and host-qualified ones', () => {
    const d = digestOf('x');
    assert.deepEqual(parseReference('a/b:v1'), { repository: 'a/b', tag: 'v1' });
    assert.deepEqual(parseReference(`a/b@${d}`), { repository: 'a/b', digest: d });
    assert.deepEqual(parseReference(`a/b:v1@${d}`), { repository: 'a/b', tag: 'v1', digest: d });
    assert.deepEqual(parseReference('a/b', { requireVersion: false }), { repository: 'a/b' });
    assert.deepEqual(parseRemoteReference('localhost:5000/a/b:v1'), {
      registry: 'localhost:5000',
      repository: 'a/b',
      tag: 'v1',
    });
    assert.deepEqual(parseRemoteReference('ghcr.io/acme/app:1.0.0'), {
      registry: 'ghcr.io',
      repository: 'acme/app',
      tag: '1.0.0',
    });
    assert.equal(
      formatReference(parseRemoteReference(`ghcr.io/acme/app:1.0.0@${d}`)),
      `ghcr.io/acme/app:1.0.0@${d}`,
    );
    for (const bad of ['a/b', 'A/b:v1', 'a/b:-v', `a/b@sha256:zz`, 'a//b:v1', '', `a/b:${'x'.repeat(129)}`]) {
      assert.throws(() => parseReference(bad), InvalidReferenceError, bad);
    }
    assert.throws(() => parseRemoteReference('noslash'), InvalidReferenceError);
    assert.throws(() => parseRemoteReference('bad_host!/a:b'), InvalidReferenceError);
  });
});
