/** Blob transfer details: chunked uploads, verification of streams, mounts, referrers, catalog. */
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { NotFoundError } from '../../src/errors.js';
import { fetchAll, readAll } from '../../src/oci/content/read.js';
import { DigestMismatchError, SizeMismatchError, TooLargeError } from '../../src/oci/errors.js';
import { encodeManifest } from '../../src/oci/manifest.js';
import { MediaType } from '../../src/oci/mediatype.js';
import { isLoopbackHost, type RegistryStore, type RequestEvent } from '../../src/registry/index.js';
import { blob, collect, collectFlat, imageIndex, manifest, randomBlob } from '../support/content.js';
import { startRegistry, type TestRegistry } from '../support/registry.js';

function chunksOf(bytes: Uint8Array, size: number): Readable {
  const parts = [];
  for (let i = 0; i < bytes.byteLength; i += size) parts.push(bytes.subarray(i, i + size));
  return Readable.from(parts);
}

describe('registry blobs', () => {
  let reg: TestRegistry;
  let store: RegistryStore;
  const events: RequestEvent[] = [];
  before(async () => {
    reg = await startRegistry('anonymous');
    store = reg.open({ monolithicMaxSize: 100_000, chunkSize: 256 * 1024, onRequest: (e) => events.push(e) });
  });
  after(async () => {
    await store?.close();
    await reg?.close();
  });
  const count = (method: string) => events.filter((e) => e.method === method).length;

  it('uploads a large stream in PATCH chunks and reads it back verified', async () => {
    const b = randomBlob(1024 * 1024 + 5);
    events.length = 0;
    await store.repository('blobs/chunked').push(b.descriptor, chunksOf(b.bytes, 10_000));
    assert.equal(count('PATCH'), 5, '4 full chunks of 256 KiB and the rest');
    assert.equal(count('POST'), 1);
    assert.equal(count('PUT'), 1);
    const back = await readAll(
      await store.repository('blobs/chunked').fetch(b.descriptor),
      b.descriptor.size,
    );
    assert.ok(Buffer.from(back).equals(Buffer.from(b.bytes)));
  });

  it('skips the upload of a blob the registry has: one HEAD, none once this client knows it', async () => {
    const b = blob('already there');
    await store.repository('blobs/skip').push(b.descriptor, b.bytes);
    events.length = 0;
    await store.repository('blobs/skip').push(b.descriptor, Readable.from([b.bytes]));
    assert.deepEqual(events, [], 'a digest this client stored is known present');
    const seen: RequestEvent[] = [];
    const other = reg.open({ onRequest: (e) => seen.push(e) });
    try {
      await other.repository('blobs/skip').push(b.descriptor, Readable.from([b.bytes]));
      assert.deepEqual(
        seen.map((e) => e.method),
        ['HEAD'],
      );
      assert.equal(await other.repository('blobs/skip').exists(b.descriptor), true);
      assert.equal(seen.length, 1, 'exists answered from what the HEAD taught');
      await other.repository('blobs/skip').delete(b.descriptor);
      assert.equal(await other.repository('blobs/skip').exists(b.descriptor), false, 'a delete forgets');
    } finally {
      await other.close();
    }
  });

  it('refuses a chunked stream with the wrong digest or size, and commits nothing', async () => {
    const b = randomBlob(600 * 1024);
    const repo = store.repository('blobs/liar');
    const liar = { ...b.descriptor, digest: randomBlob(10).descriptor.digest };
    await assert.rejects(repo.push(liar, chunksOf(b.bytes, 50_000)), DigestMismatchError);
    assert.equal(await repo.exists(liar), false);
    await assert.rejects(
      repo.push({ ...b.descriptor, size: b.descriptor.size - 1 }, chunksOf(b.bytes, 50_000)),
      SizeMismatchError,
    );
    await assert.rejects(
      repo.push({ ...b.descriptor, size: b.descriptor.size + 1 }, chunksOf(b.bytes, 50_000)),
      SizeMismatchError,
    );
    assert.equal(await repo.exists(b.descriptor), false);
  });

  it('fails a fetch whose bytes do not match the descriptor', async () => {
    const b = blob('honest bytes');
    const repo = store.repository('blobs/verify');
    await repo.push(b.descriptor, b.bytes);
    // Ask for the right digest with the wrong size: the verifying stream must fail.
    await assert.rejects(readAll(await repo.fetch({ ...b.descriptor, size: 3 }), 100), SizeMismatchError);
  });

  it('mounts a blob from another repository with one request', async () => {
    const b = randomBlob(300_000);
    await store.repository('blobs/source').push(b.descriptor, b.bytes);
    events.length = 0;
    await store.repository('blobs/target').mount(b.descriptor, 'blobs/source');
    assert.deepEqual(
      events.map((e) => e.method),
      ['POST'],
    );
    assert.equal(await store.repository('blobs/target').exists(b.descriptor), true);
    await assert.rejects(
      store.repository('blobs/target2').mount(randomBlob(10).descriptor, 'blobs/source'),
      NotFoundError,
    );
  });

  it('reads referrers through the tag schema when the registry has no referrers API', async () => {
    const repo = store.repository('blobs/referrers');
    const config = blob('{}', MediaType.Empty);
    await repo.push(config.descriptor, config.bytes);
    const subject = manifest([], config);
    await repo.push(subject.descriptor, subject.bytes);
    const sig = blob(
      encodeManifest({
        schemaVersion: 2,
        mediaType: MediaType.ImageManifest,
        artifactType: 'application/vnd.example.signature',
        config: config.descriptor,
        layers: [],
        subject: subject.descriptor,
      }),
      MediaType.ImageManifest,
    );
    const sbom = manifest([], config);
    await repo.push(sig.descriptor, sig.bytes);
    await repo.push(sbom.descriptor, sbom.bytes);
    const index = imageIndex([
      { ...sig, descriptor: { ...sig.descriptor, artifactType: 'application/vnd.example.signature' } },
      { ...sbom, descriptor: { ...sbom.descriptor, artifactType: 'application/vnd.example.sbom' } },
    ]);
    await repo.push(index.descriptor, index.bytes);
    await repo.tag(index.descriptor, `sha256-${subject.descriptor.digest.slice(7)}`);
    const all = await collect(repo.referrers(subject.descriptor));
    assert.deepEqual(
      all.map((d) => d.digest),
      [sig.descriptor.digest, sbom.descriptor.digest],
    );
    const sigs = await collect(
      repo.referrers(subject.descriptor, { artifactType: 'application/vnd.example.signature' }),
    );
    assert.deepEqual(
      sigs.map((d) => d.digest),
      [sig.descriptor.digest],
    );
    assert.deepEqual(await collect(repo.referrers(sig.descriptor)), []);
  });

  it('lists repositories through the catalog and resolves manifests verified', async () => {
    const names = ['blobs/cat-a', 'blobs/cat-b'];
    for (const n of names) {
      const repo = store.repository(n);
      const config = blob('{}', MediaType.Empty);
      await repo.push(config.descriptor, config.bytes);
      const m = manifest([], config);
      await repo.push(m.descriptor, m.bytes);
      await repo.tag(m.descriptor, 'v1');
      assert.ok(Buffer.from(await fetchAll(repo, await repo.resolve('v1'))).equals(Buffer.from(m.bytes)));
    }
    const listed = await collectFlat(store.repositories());
    for (const n of names) assert.ok(listed.includes(n), `${n} listed`);
    // One repository per page: every page is one request, found through the Link header.
    events.length = 0;
    const paged = await collectFlat(store.repositories({ pageSize: 1 }));
    assert.deepEqual(paged, listed);
    assert.equal(events.length, listed.length + 1, 'one request per page, and one that finds the end');
    assert.ok(
      events.slice(1).every((e) => new URL(e.url).searchParams.get('last')),
      'pages after the first follow Link',
    );
  });

  it('defaults loopback hosts to plain HTTP and every other host to HTTPS', () => {
    for (const h of ['localhost', 'localhost:5000', '127.0.0.1:5000', '127.1.2.3', '[::1]:5000']) {
      assert.equal(isLoopbackHost(h), true, h);
    }
    for (const h of [
      'ghcr.io',
      'registry.example:5000',
      '10.0.0.1:5000',
      'localhost.example',
      '[::2]:5000',
    ]) {
      assert.equal(isLoopbackHost(h), false, h);
    }
  });

  it('keeps Docker v2 manifests as Docker (Accept and Content-Type), and refuses manifests over 4 MiB', async () => {
    const repo = store.repository('blobs/docker');
    const config = blob('{"architecture":"amd64","os":"linux"}', MediaType.DockerConfig);
    const layer = blob('docker layer', MediaType.DockerLayerGzip);
    await repo.push(config.descriptor, config.bytes);
    await repo.push(layer.descriptor, layer.bytes);
    const docker = blob(
      encodeManifest({
        schemaVersion: 2,
        mediaType: MediaType.DockerManifest,
        config: config.descriptor,
        layers: [layer.descriptor],
      }),
      MediaType.DockerManifest,
    );
    await repo.push(docker.descriptor, docker.bytes);
    await repo.tag(docker.descriptor, 'docker');
    const got = await repo.resolve('docker');
    assert.equal(got.mediaType, MediaType.DockerManifest);
    const fetched = await repo.fetchReference('docker');
    assert.equal(fetched.descriptor.mediaType, MediaType.DockerManifest);
    assert.ok(Buffer.from(await readAll(fetched.content, 1 << 20)).equals(Buffer.from(docker.bytes)));

    const huge = blob(
      encodeManifest({
        schemaVersion: 2,
        mediaType: MediaType.ImageManifest,
        config: config.descriptor,
        layers: [],
        annotations: { pad: 'x'.repeat(4 * 1024 * 1024) },
      }),
      MediaType.ImageManifest,
    );
    events.length = 0;
    await assert.rejects(repo.push(huge.descriptor, huge.bytes), TooLargeError);
    assert.equal(events.length, 0, 'refused before any request');
  });
});
