/**
 * The Go fixtures' constructors, built by us into a fresh CTF, give the component and resource
 * fields of the descriptors the Go CLI stored from the same files.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { addComponentsFromConstructor, readConstructor } from '../../src/constructor/index.js';
import { CtfStore } from '../../src/ctf/store.js';
import type { Resource } from '../../src/descriptor/index.js';
import { readAll } from '../../src/oci/content/read.js';
import { OcmRepository } from '../../src/repository/index.js';
import { fixturesDir } from '../support/paths.js';
import { tempDir } from '../support/tmp.js';

const hello = 'github.com/acme.org/helloworld';
const clock = () => new Date('2026-01-02T03:04:05.678Z');

async function withRepo<T>(
  path: string,
  mode: 'readonly' | 'create',
  fn: (repo: OcmRepository) => Promise<T>,
) {
  const store = await CtfStore.open(path, mode === 'readonly' ? { mode: 'readonly' } : { create: true });
  try {
    return await fn(new OcmRepository(store));
  } finally {
    await store.close();
  }
}

/** The fields both generations must agree on. */
function shape(d: import('../../src/descriptor/index.js').DescriptorV2) {
  return {
    name: d.component.name,
    version: d.component.version,
    provider: d.component.provider,
    resources: (d.component.resources ?? []).map((r) => ({
      name: r.name,
      type: r.type,
      version: r.version,
      relation: r.relation,
      access: r.access.type,
      imageReference: r.access.imageReference,
      digestAlgorithm: r.access.type === 'localBlob' ? r.digest?.normalisationAlgorithm : undefined,
    })),
    sources: d.component.sources,
    componentReferences: d.component.componentReferences,
  };
}

const cases = [
  { dir: 'ocm1-helloworld', stored: 'ocm1-helloworld/transport-archive' },
  { dir: 'ocm1-helloworld-ociartifact', stored: 'ocm1-helloworld-ociartifact/without-resource' },
];

describe('fixture constructors', () => {
  for (const { dir, stored } of cases) {
    it(`${dir}: same component and resource fields as the Go-built CTF`, async () => {
      const tmp = await tempDir();
      try {
        const spec = await readConstructor(join(fixturesDir, 'ctf', dir, 'component-constructor.yaml'));
        const ctf = join(tmp.path, 'ctf');
        const results = await withRepo(ctf, 'create', (repo) =>
          addComponentsFromConstructor(repo, spec, { now: clock }),
        );
        assert.deepEqual(
          results.map((r) => [r.component, r.version, r.status]),
          [[hello, '1.0.0', 'added']],
        );
        assert.match(results[0]!.digest, /^sha256:[0-9a-f]{64}$/);
        const ours = await withRepo(ctf, 'readonly', (repo) => repo.getComponentVersion(hello, '1.0.0'));
        const theirs = await withRepo(join(fixturesDir, 'ctf', stored), 'readonly', (repo) =>
          repo.getComponentVersion(hello, '1.0.0'),
        );
        assert.deepEqual(shape(ours.descriptor), shape(theirs.descriptor));
        assert.equal(ours.descriptor.component.creationTime, '2026-01-02T03:04:05Z');
        assert.equal(ours.resolution.digest, results[0]!.digest);
      } finally {
        await tmp.remove();
      }
    });
  }

  it('ocm1-helloworld: the utf8 blob has the Go digest (genericBlobDigest/v1 of "test") and reads back', async () => {
    const tmp = await tempDir();
    try {
      const spec = await readConstructor(
        join(fixturesDir, 'ctf', 'ocm1-helloworld', 'component-constructor.yaml'),
      );
      const ctf = join(tmp.path, 'ctf');
      await withRepo(ctf, 'create', (repo) => addComponentsFromConstructor(repo, spec, { now: clock }));
      const theirs = await withRepo(
        join(fixturesDir, 'ctf', 'ocm1-helloworld', 'transport-archive'),
        'readonly',
        (r) => r.getComponentVersion(hello, '1.0.0'),
      );
      await withRepo(ctf, 'readonly', async (repo) => {
        const blob = await repo.getLocalResource(hello, '1.0.0', { name: 'resource' });
        assert.equal(Buffer.from(await readAll(blob.content, 1024)).toString(), 'test');
        const ours = blob.element as Resource;
        const go = theirs.descriptor.component.resources![0]!;
        assert.deepEqual(ours.digest, go.digest);
        assert.equal(ours.access.localReference, go.access.localReference);
        assert.equal(blob.descriptor.digest, go.access.localReference);
      });
    } finally {
      await tmp.remove();
    }
  });
});
