/**
 * skopeo as the independent client: what we push it reads byte for byte and copies with every
 * digest verified; what it pushes (an OCI layout from the Go OCM tools' fixtures) we read and verify.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { fetchAll, readAll } from '../../src/oci/content/read.js';
import type { Descriptor } from '../../src/oci/descriptor.js';
import { encodeManifest, parseManifest, referencedDescriptors } from '../../src/oci/manifest.js';
import { isManifestType, MediaType } from '../../src/oci/mediatype.js';
import type { RegistryStore } from '../../src/registry/index.js';
import { blob, imageIndex, randomBlob } from '../support/content.js';
import {
  type RegistryVariant,
  skopeo,
  skopeoRaw,
  startRegistry,
  type TestRegistry,
} from '../support/registry.js';

const fixture = new URL('../fixtures/oci-layout/oci-layout.tar.gz', import.meta.url).pathname;

/** Checks every blob an OCI layout's index reaches: present, right size, right digest. */
function verifyLayout(dir: string): Set<string> {
  const seen = new Set<string>();
  const visit = (d: Descriptor) => {
    const [alg, hex] = d.digest.split(':') as [string, string];
    const bytes = readFileSync(join(dir, 'blobs', alg, hex));
    assert.equal(bytes.byteLength, d.size, `size of ${d.digest}`);
    assert.equal(`${alg}:${createHash(alg).update(bytes).digest('hex')}`, d.digest, `digest of ${d.digest}`);
    seen.add(d.digest);
    if (isManifestType(d.mediaType))
      for (const r of referencedDescriptors(parseManifest(bytes, d.mediaType))) visit(r);
  };
  const index = JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8')) as { manifests: Descriptor[] };
  for (const m of index.manifests) visit(m);
  return seen;
}

for (const variant of ['anonymous', 'token'] as RegistryVariant[]) {
  describe(`skopeo interop (${variant})`, () => {
    let reg: TestRegistry;
    let store: RegistryStore;
    let work: string;
    before(async () => {
      reg = await startRegistry(variant);
      // Small thresholds so the big layer goes up in PATCH chunks.
      store = reg.open({ monolithicMaxSize: 256 * 1024, chunkSize: 512 * 1024 });
      work = mkdtempSync(join(tmpdir(), 'ocm-skopeo-'));
    });
    after(async () => {
      await store?.close();
      await reg?.close();
      if (work) rmSync(work, { recursive: true, force: true });
    });

    it('reads what we push byte for byte and copies it with every digest verified', async () => {
      const repo = store.repository('interop/ours');
      const config = blob(
        JSON.stringify({ component: { componentName: 'acme.org/x', componentVersion: '1.0.0' } }),
        'application/vnd.ocm.software.component.config.v1+json',
      );
      const descriptorLayer = blob(
        'component-descriptor.yaml as tar',
        'application/vnd.ocm.software.component-descriptor.v2+yaml+tar',
      );
      const big = randomBlob(3 * 1024 * 1024 + 123);
      const bigLayer = { ...big, descriptor: { ...big.descriptor, mediaType: MediaType.ImageLayerGzip } };
      await repo.push(config.descriptor, config.bytes);
      await repo.push(descriptorLayer.descriptor, descriptorLayer.bytes);
      const chunks = [];
      for (let i = 0; i < big.bytes.byteLength; i += 100_000) chunks.push(big.bytes.subarray(i, i + 100_000));
      await repo.push(bigLayer.descriptor, Readable.from(chunks));
      const manifestBytes = encodeManifest({
        schemaVersion: 2,
        mediaType: MediaType.ImageManifest,
        config: config.descriptor,
        layers: [descriptorLayer.descriptor, bigLayer.descriptor],
        annotations: { 'software.ocm.componentversion': 'acme.org/x:1.0.0' },
      });
      const m = blob(manifestBytes, MediaType.ImageManifest);
      await repo.push(m.descriptor, m.bytes);
      await repo.tag(m.descriptor, '1.0.0');
      const idx = imageIndex([m]);
      await repo.push(idx.descriptor, idx.bytes);
      await repo.tag(idx.descriptor, 'multi');

      const ref = `docker://${reg.host}/interop/ours`;
      const raw = await skopeoRaw(['inspect', ...reg.skopeoArgs(''), '--raw', `${ref}:1.0.0`]);
      assert.ok(raw.equals(Buffer.from(m.bytes)), 'skopeo inspect --raw returns our manifest bytes');
      const rawIndex = await skopeoRaw(['inspect', ...reg.skopeoArgs(''), '--raw', `${ref}:multi`]);
      assert.ok(rawIndex.equals(Buffer.from(idx.bytes)), 'skopeo inspect --raw returns our index bytes');

      const out = join(work, 'copy');
      await skopeo(['copy', ...reg.skopeoArgs('src'), `${ref}:1.0.0`, `oci:${out}:1.0.0`]);
      const seen = verifyLayout(out);
      for (const d of [m.descriptor, config.descriptor, descriptorLayer.descriptor, bigLayer.descriptor]) {
        assert.ok(seen.has(d.digest), `skopeo copied ${d.digest}`);
      }
      const outIndex = join(work, 'copy-index');
      await skopeo(['copy', '--all', ...reg.skopeoArgs('src'), `${ref}:multi`, `oci:${outIndex}:multi`]);
      const seenIndex = verifyLayout(outIndex);
      assert.ok(seenIndex.has(idx.descriptor.digest) && seenIndex.has(bigLayer.descriptor.digest));
    });

    it('fetches and verifies what skopeo copied from an OCI layout', async () => {
      const layout = join(work, 'layout');
      execFileSync('mkdir', ['-p', layout]);
      execFileSync('tar', ['-xzf', fixture, '-C', layout]);
      const index = JSON.parse(readFileSync(join(layout, 'index.json'), 'utf8')) as {
        manifests: Descriptor[];
      };
      const original = index.manifests[0]!;
      await skopeo([
        'copy',
        ...reg.skopeoArgs('dest'),
        `oci:${layout}`,
        `docker://${reg.host}/interop/theirs:0.1.0`,
      ]);

      const repo = store.repository('interop/theirs');
      const resolved = await repo.resolve('0.1.0');
      assert.equal(resolved.digest, original.digest, 'skopeo kept the manifest as it was');
      assert.equal(resolved.size, original.size);
      const manifestBytes = await fetchAll(repo, resolved);
      const fileBytes = (d: Descriptor) => readFileSync(join(layout, 'blobs', 'sha256', d.digest.slice(7)));
      assert.ok(Buffer.from(manifestBytes).equals(fileBytes(original)));
      const refs = referencedDescriptors(parseManifest(manifestBytes, resolved.mediaType));
      assert.equal(refs.length, 3);
      for (const d of refs) {
        assert.equal(await repo.exists(d), true);
        const bytes = await readAll(await repo.fetch(d), d.size);
        assert.ok(Buffer.from(bytes).equals(fileBytes(d)), `blob ${d.digest} as in the layout`);
      }
    });
  });
}
