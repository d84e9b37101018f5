/**
 * The OCM repository on CTFs specifically: the Go tools' fixtures read through it, what we write
 * has their shape, and the CTF's own alias promises (index hygiene, exact `expect` across processes).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parse as parseYaml } from 'yaml';
import { ArtifactIndex } from '../../src/ctf/artifact-index.js';
import { blobFileName } from '../../src/ctf/blob-names.js';
import { CtfStore } from '../../src/ctf/store.js';
import { readAll } from '../../src/oci/content/read.js';
import { digestOf } from '../../src/oci/digest.js';
import { OcmRepository } from '../../src/repository/index.js';
import { componentRepository } from '../../src/repository/mapping.js';
import { COMPONENT as C, descriptor } from '../support/descriptors.js';
import { fixturesDir, projectRoot } from '../support/paths.js';
import { tempDir } from '../support/tmp.js';

const hello = 'github.com/acme.org/helloworld';

async function withFixture<T>(path: string, fn: (repo: OcmRepository) => Promise<T>): Promise<T> {
  const store = await CtfStore.open(join(fixturesDir, 'ctf', path), { mode: 'readonly' });
  try {
    return await fn(new OcmRepository(store));
  } finally {
    await store.close();
  }
}

async function bytesOf(blob: { content: NodeJS.ReadableStream & import('node:stream').Readable }) {
  return Buffer.from(await readAll(blob.content, 1 << 20));
}

describe('Go-written CTFs through the repository', () => {
  for (const form of ['transport-archive', 'transport-archive.tar', 'transport-archive.tar.gz']) {
    it(`ocm1-helloworld/${form}: component, version, provider, resources and the local blob`, () =>
      withFixture(`ocm1-helloworld/${form}`, async (repo) => {
        assert.deepEqual(await repo.listComponentVersions(hello, { verify: true }), ['1.0.0']);
        const { descriptor: d } = await repo.getComponentVersion(hello, '1.0.0');
        assert.equal(d.component.name, hello);
        assert.equal(d.component.version, '1.0.0');
        assert.equal(d.component.provider, 'acme.org');
        assert.deepEqual(
          d.component.resources?.map((r) => [r.name, r.type, r.version]),
          [['resource', 'something', '6.7.1']],
        );
        assert.deepEqual(d.component.sources, []);
        const blob = await repo.getLocalResource(hello, '1.0.0', { name: 'resource' });
        assert.equal((await bytesOf(blob)).toString(), 'test');
        assert.deepEqual(await repo.listComponentVersionAliases(hello), []);
      }));
  }

  it('ocm1-helloworld-ociartifact: the reference access, and the artifact set as an opaque blob', async () => {
    await withFixture('ocm1-helloworld-ociartifact/without-resource', async (repo) => {
      const r = (await repo.getComponentVersion(hello, '1.0.0')).descriptor.component.resources?.[0];
      assert.equal(r?.access.type, 'ociArtifact');
      assert.equal(r?.access.imageReference, 'ghcr.io/jakobmoellerdev/podinfo/podinfo:6.7.1');
    });
    await withFixture('ocm1-helloworld-ociartifact/with-resource', async (repo) => {
      const blob = await repo.getLocalResource(hello, '1.0.0', { name: 'mychart' });
      assert.equal(blob.descriptor.mediaType, 'application/vnd.oci.image.manifest.v1+tar+gzip');
      const bytes = await bytesOf(blob);
      assert.equal(
        digestOf(bytes),
        'sha256:e40e3a2f1ab1a98328dfd14539a79d27aff5c4d5c34cd16a85f0288bfa76490b',
      );
      assert.equal(bytes.length, 16071);
      assert.equal(blob.element.access.referenceName, 'jakobmoellerdev/podinfo/podinfo:6.7.1');
    });
  });

  it('ocm1-v0.18-shared-blobs: four resources and four sources over two shared layers', () =>
    withFixture('ocm1-v0.18-shared-blobs', async (repo) => {
      const c = 'github.com/mandelsoft/test1';
      const { descriptor: d } = await repo.getComponentVersion(c, '1.0.0');
      assert.equal(d.component.provider, 'mandelsoft.org');
      assert.equal(d.component.resources?.length, 4);
      assert.equal(d.component.sources?.length, 4);
      const seen = new Set<string>();
      for (const kind of ['resource', 'source'] as const) {
        for (const identity of [
          { name: 'multi-implicit', version: 'v1' },
          { name: 'multi-implicit', version: 'v2' },
          { name: 'multi-explicit', version: 'v1' },
          { name: 'multi-explicit', version: 'v2' },
        ]) {
          const blob =
            kind === 'resource'
              ? await repo.getLocalResource(c, '1.0.0', identity)
              : await repo.getLocalSource(c, '1.0.0', identity);
          const bytes = await bytesOf(blob);
          assert.equal(digestOf(bytes), blob.descriptor.digest);
          seen.add(blob.descriptor.digest);
        }
      }
      assert.equal(seen.size, 2);
    }));
});

describe('what the repository writes to a CTF', () => {
  it('has the shape of the Go-written helloworld (media types, annotation keys, config keys, tar entry)', async () => {
    const dir = await tempDir();
    try {
      const store = await CtfStore.open(join(dir.path, 'ctf'), { create: true });
      const repo = new OcmRepository(store);
      const ctorDoc = parseYaml(
        await readFile(join(fixturesDir, 'ctf/ocm1-helloworld/component-constructor.yaml'), 'utf8'),
      );
      const spec = ctorDoc.components?.[0] ?? ctorDoc;
      const res = await repo.addLocalResource(
        spec.name,
        {
          name: spec.resources[0].name,
          version: spec.resources[0].version,
          type: spec.resources[0].type,
          relation: 'local',
          access: { type: 'none' },
        },
        { content: Buffer.from(spec.resources[0].input.text), mediaType: 'application/octet-stream' },
      );
      const d = descriptor(spec.version, { name: spec.name, provider: spec.provider.name, resources: [res] });
      await repo.addComponentVersion(d);
      const ours = await inspect(join(dir.path, 'ctf'), spec.name);
      const theirs = await inspect(join(fixturesDir, 'ctf/ocm1-helloworld/transport-archive'), spec.name);
      assert.deepEqual(ours.shape, theirs.shape);
      assert.equal(
        (await repo.getComponentVersion(spec.name, spec.version)).descriptor.component.resources?.[0]?.access
          .localReference,
        digestOf('test'),
      );
      assert.deepEqual((await repo.getComponentVersion(spec.name, spec.version)).descriptor, d);
      await store.close();
    } finally {
      await dir.remove();
    }
  });

  it('S23: a dangling alias is listed with its problem and breaks no listing', async () => {
    const dir = await tempDir();
    try {
      const path = join(dir.path, 'ctf');
      const store = await CtfStore.open(path, { create: true });
      const repo = new OcmRepository(store);
      await repo.addComponentVersion(descriptor('1.0.0'));
      const v2 = await repo.addComponentVersion(descriptor('2.0.0'));
      await repo.addComponentVersionAlias(C, '1.0.0', 'prod');
      await repo.addComponentVersionAlias(C, '2.0.0', 'dev');
      await rm(join(path, 'blobs', blobFileName(v2.digest)));
      assert.deepEqual(await repo.listComponentVersions(C), ['2.0.0', '1.0.0']);
      const aliases = await repo.listComponentVersionAliases(C);
      assert.equal(aliases.length, 2);
      assert.equal(aliases[0]?.alias, 'dev');
      assert.match(aliases[0]?.problem ?? '', /missing|not found/);
      assert.equal(aliases[1]?.version, '1.0.0');
      const skipped: string[] = [];
      assert.deepEqual(
        await repo.listComponentVersions(C, { verify: true, onSkip: (tag) => skipped.push(tag) }),
        ['1.0.0'],
      );
      assert.deepEqual(skipped, ['2.0.0']);
      await store.close();
    } finally {
      await dir.remove();
    }
  });

  it('S40 fixed: moving latest through 100 versions leaves no residue; the index re-reads under the Go v2 rules', async () => {
    const dir = await tempDir();
    try {
      const path = join(dir.path, 'ctf');
      const store = await CtfStore.open(path, { create: true });
      const repo = new OcmRepository(store);
      for (let i = 0; i < 100; i++) {
        await repo.addComponentVersion(descriptor(`1.0.${i}`));
        await repo.addComponentVersionAlias(C, `1.0.${i}`, 'latest');
        await repo.addComponentVersionAlias(C, `1.0.${Math.max(0, i - 5)}`, 'prod');
      }
      const raw = await readFile(join(path, 'artifact-index.json'));
      const index = ArtifactIndex.parse(raw, { strict: true });
      const ours = index.entries.filter((e) => e.repository === componentRepository(C));
      assert.equal(ours.length, 102, '100 versions + latest + prod');
      assert.equal(ours.filter((e) => e.tag === undefined).length, 0);
      const digests = new Map<string, number>();
      for (const e of ours) digests.set(e.digest, (digests.get(e.digest) ?? 0) + 1);
      assert.equal(digests.size, 100);
      assert.equal((await repo.resolveComponentVersion(C, 'latest')).version, '1.0.99');
      assert.equal((await repo.resolveComponentVersion(C, 'prod')).version, '1.0.94');
      await store.close();
    } finally {
      await dir.remove();
    }
  });

  it('expect: 4 processes racing to move prod from the same version; exactly one wins each round', {
    timeout: 300_000,
  }, async () => {
    const dir = await tempDir();
    try {
      const path = join(dir.path, 'ctf');
      const rounds = 15;
      const store = await CtfStore.open(path, { create: true });
      const repo = new OcmRepository(store);
      for (let i = 0; i <= rounds; i++)
        await repo.addComponentVersion(descriptor(`1.0.${i}`, { name: 'example.com/race/app' }));
      await repo.addComponentVersionAlias('example.com/race/app', '1.0.0', 'prod');
      await store.close();
      const outputs = await Promise.all(
        [0, 1, 2, 3].map(
          (id) =>
            new Promise<string>((resolve, reject) => {
              const child = spawn(
                process.execPath,
                [
                  '--import',
                  'tsx',
                  join(projectRoot, 'test/support/ctf-worker.ts'),
                  'race',
                  path,
                  String(id),
                  String(rounds),
                ],
                {
                  cwd: projectRoot,
                },
              );
              let out = '';
              let err = '';
              child.stdout.on('data', (c: Buffer) => {
                out += c.toString();
              });
              child.stderr.on('data', (c: Buffer) => {
                err += c.toString();
              });
              child.on('close', (code) =>
                code === 0 ? resolve(out) : reject(new Error(`worker ${id} failed: ${err}`)),
              );
            }),
        ),
      );
      const lines = outputs.flatMap((o) => o.trim().split('\n'));
      for (let r = 0; r < rounds; r++) {
        assert.equal(lines.filter((l) => l === `WIN ${r}`).length, 1, `round ${r}: one winner`);
        assert.equal(lines.filter((l) => l === `CONFLICT ${r}`).length, 3, `round ${r}: three conflicts`);
      }
      const check = await CtfStore.open(path, { mode: 'readonly' });
      assert.equal(
        (await new OcmRepository(check).resolveComponentVersion('example.com/race/app', 'prod')).version,
        `1.0.${rounds}`,
      );
      await check.close();
    } finally {
      await dir.remove();
    }
  });
});

/** The parts of a stored version that must match the Go writer's: media types, keys, tar entry name. */
async function inspect(path: string, component: string) {
  const store = await CtfStore.open(path, { mode: 'readonly' });
  try {
    const oci = store.repository(componentRepository(component));
    const got = await oci.fetchReference('1.0.0');
    const manifest = JSON.parse(Buffer.from(await readAll(got.content, 1 << 20)).toString());
    const config = JSON.parse(
      Buffer.from(await readAll(await oci.fetch(manifest.config), 1 << 20)).toString(),
    );
    const layer = Buffer.from(await readAll(await oci.fetch(manifest.layers[0]), 1 << 20));
    return {
      shape: {
        manifestKeys: Object.keys(manifest),
        mediaType: manifest.mediaType,
        configMediaType: manifest.config.mediaType,
        layerMediaTypes: manifest.layers.map((l: { mediaType: string }) => l.mediaType),
        layerAnnotationKeys: manifest.layers.map((l: { annotations?: object }) =>
          Object.keys(l.annotations ?? {}),
        ),
        blobOwners: manifest.layers
          .slice(1)
          .map((l: { annotations: Record<string, string> }) =>
            JSON.parse(l.annotations['software.ocm.artifact']!),
          ),
        annotationKeys: Object.keys(manifest.annotations),
        componentVersion: manifest.annotations['software.ocm.componentversion'],
        configKeys: Object.keys(config),
        configLayerKeys: Object.keys(config.componentDescriptorLayer),
        tarEntry: layer.subarray(0, 100).toString('latin1').replace(/\0.*$/s, ''),
        tarMode: layer.subarray(100, 108).toString('latin1'),
        tarMtime: layer.subarray(136, 148).toString('latin1'),
      },
    };
  } finally {
    await store.close();
  }
}
