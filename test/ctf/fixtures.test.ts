/** Every CTF the Go tools wrote (test/fixtures/ctf) opens, lists and verifies in full. */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { CtfStore } from '../../src/ctf/store.js';
import { fetchAll, readAll } from '../../src/oci/content/read.js';
import type { Store } from '../../src/oci/content/storage.js';
import type { Descriptor } from '../../src/oci/descriptor.js';
import { parseManifest, referencedDescriptors } from '../../src/oci/manifest.js';
import { isManifestType } from '../../src/oci/mediatype.js';
import { collect, collectFlat } from '../support/content.js';
import { fixturesDir } from '../support/paths.js';

const helloworld = 'component-descriptors/github.com/acme.org/helloworld';
const cases: { path: string; repositories: string[]; tags: Record<string, string[]>; blobs: number }[] = [
  {
    path: 'ocm1-helloworld/transport-archive',
    repositories: [helloworld],
    tags: { [helloworld]: ['1.0.0'] },
    blobs: 4,
  },
  {
    path: 'ocm1-helloworld/transport-archive.tar',
    repositories: [helloworld],
    tags: { [helloworld]: ['1.0.0'] },
    blobs: 4,
  },
  {
    path: 'ocm1-helloworld/transport-archive.tar.gz',
    repositories: [helloworld],
    tags: { [helloworld]: ['1.0.0'] },
    blobs: 4,
  },
  {
    path: 'ocm1-helloworld-ociartifact/without-resource',
    repositories: [helloworld],
    tags: { [helloworld]: ['1.0.0'] },
    blobs: 3,
  },
  {
    path: 'ocm1-helloworld-ociartifact/with-resource',
    repositories: [helloworld],
    tags: { [helloworld]: ['1.0.0'] },
    blobs: 4,
  },
  {
    path: 'ocm1-v0.18-shared-blobs',
    repositories: ['component-descriptors/github.com/mandelsoft/test1'],
    tags: { 'component-descriptors/github.com/mandelsoft/test1': ['1.0.0'] },
    blobs: 5, // manifest, config, descriptor, and two blob layers shared by 4 resources and 4 sources
  },
  { path: 'ocm1-empty', repositories: [], tags: {}, blobs: 0 },
];

/** Fetches a manifest and everything it references, verifying every byte; returns the digests seen. */
async function walk(repo: Store, desc: Descriptor, seen: Set<string>): Promise<void> {
  if (seen.has(desc.digest)) return;
  seen.add(desc.digest);
  if (!isManifestType(desc.mediaType)) {
    await readAll(await repo.fetch(desc), desc.size);
    return;
  }
  const manifest = parseManifest(await fetchAll(repo, desc), desc.mediaType);
  for (const ref of referencedDescriptors(manifest)) await walk(repo, ref, seen);
}

describe('Go-written CTF fixtures', () => {
  for (const c of cases) {
    it(`${c.path} opens, lists and verifies`, async () => {
      const store = await CtfStore.open(join(fixturesDir, 'ctf', c.path), { mode: 'readonly' });
      try {
        assert.deepEqual(await collectFlat(store.repositories()), c.repositories);
        const seen = new Set<string>();
        for (const name of c.repositories) {
          const repo = store.repository(name);
          const tags = await collect(repo.tags());
          assert.deepEqual(tags, c.tags[name]);
          for (const tag of tags) {
            const desc = await repo.resolve(tag);
            assert.equal(
              desc.mediaType,
              'application/vnd.oci.image.manifest.v1+json',
              'missing mediaType reads as OCI manifest',
            );
            await walk(repo, desc, seen);
            assert.equal((await store.resolve(`${name}:${tag}`)).digest, desc.digest);
            assert.equal((await store.resolve(`${name}@${desc.digest}`)).digest, desc.digest);
          }
        }
        assert.equal(seen.size, c.blobs);
      } finally {
        await store.close();
      }
    });
  }

  it('reads the 4-byte local blob of ocm1-helloworld in every format', async () => {
    for (const form of ['transport-archive', 'transport-archive.tar', 'transport-archive.tar.gz']) {
      const store = await CtfStore.open(join(fixturesDir, 'ctf/ocm1-helloworld', form), { mode: 'readonly' });
      try {
        const repo = store.repository(helloworld);
        const m = parseManifest(
          await fetchAll(repo, await repo.resolve('1.0.0')),
          'application/vnd.oci.image.manifest.v1+json',
        );
        const layer = 'layers' in m ? m.layers.find((l) => l.size === 4) : undefined;
        assert.ok(layer, `${form}: a 4-byte layer`);
        assert.equal(Buffer.from(await fetchAll(repo, layer)).toString(), 'test');
      } finally {
        await store.close();
      }
    }
  });

  it('refuses writes to a store opened read-only', async () => {
    const store = await CtfStore.open(join(fixturesDir, 'ctf/ocm1-helloworld/transport-archive'), {
      mode: 'readonly',
    });
    try {
      const repo = store.repository(helloworld);
      await assert.rejects(repo.tag(await repo.resolve('1.0.0'), 'prod'), { code: 'READ_ONLY' });
    } finally {
      await store.close();
    }
  });
});
