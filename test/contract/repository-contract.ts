/**
 * The OCM repository contract: component versions and version aliases behave the same on every
 * backend (CTF directory, tar, tgz; registry variants). Scenario numbers S1-S51 are those of
 * the upstream Go bindings (docs/aliases.md); where our rules decide otherwise the test says so.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { gunzipSync } from 'node:zlib';
import tar from 'tar-stream';
import { InvalidDescriptorError } from '../../src/descriptor/index.js';
import { NotFoundError } from '../../src/errors.js';
import { readAll } from '../../src/oci/content/read.js';
import type { StoreProvider } from '../../src/oci/content/storage.js';
import {
  AliasConflictError,
  ComponentVersionChangedError,
  InvalidAliasError,
  InvalidComponentVersionError,
  NotAnAliasError,
  OcmRepository,
  VersionExistsError,
  VersionTagConflictError,
} from '../../src/repository/index.js';
import { componentRepository } from '../../src/repository/mapping.js';
import { blob } from '../support/content.js';
import { COMPONENT as C, descriptor, resource } from '../support/descriptors.js';
import { fixturesDir } from '../support/paths.js';

async function untarToMap(bytes: Buffer): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>();
  const extract = tar.extract();
  const done = (async () => {
    for await (const entry of extract) {
      const chunks: Buffer[] = [];
      for await (const c of entry) chunks.push(c as Buffer);
      files.set(entry.header.name.replace(/^\.\//, ''), Buffer.concat(chunks));
    }
  })();
  extract.end(bytes);
  await done;
  return files;
}

export interface RepositoryUnderTest {
  readonly provider: StoreProvider;
  /** Repository prefix that isolates this test on a shared backend. */
  readonly prefix: string;
  close(): Promise<void>;
}

let counter = 0;

export function repositoryContract(name: string, open: () => Promise<RepositoryUnderTest>): void {
  describe(`repository contract: ${name}`, () => {
    async function withRepo(fn: (repo: OcmRepository, sut: RepositoryUnderTest) => Promise<void>) {
      const sut = await open();
      try {
        await fn(new OcmRepository(sut.provider, { prefix: sut.prefix }), sut);
      } finally {
        await sut.close();
      }
    }
    async function versions(repo: OcmRepository, ...vs: string[]) {
      const digests: Record<string, string> = {};
      for (const v of vs) digests[v] = (await repo.addComponentVersion(descriptor(v))).digest;
      return digests;
    }
    /** Pushes a raw manifest into the component's OCI repository under `tag`. */
    async function rawTag(
      sut: RepositoryUnderTest,
      tag: string,
      annotations: Record<string, string>,
      configType = 'application/vnd.oci.empty.v1+json',
    ) {
      counter++;
      const store = sut.provider.repository(componentRepository(C, sut.prefix));
      const config = blob(`{"n":${counter}}`, configType);
      await store.push(config.descriptor, config.bytes);
      const m = blob(
        JSON.stringify({
          schemaVersion: 2,
          mediaType: 'application/vnd.oci.image.manifest.v1+json',
          config: config.descriptor,
          layers: [],
          annotations,
        }),
        'application/vnd.oci.image.manifest.v1+json',
      );
      await store.push(m.descriptor, m.bytes);
      await store.tag(m.descriptor, tag);
      return m.descriptor;
    }

    describe('component versions', () => {
      it('adds a version and reads it back equal, resolved as a version', () =>
        withRepo(async (repo) => {
          const d = descriptor('1.0.0', {
            resources: [
              resource('web', { access: { type: 'ociArtifact', imageReference: 'ghcr.io/acme/web:1.0.0' } }),
            ],
          });
          const added = await repo.addComponentVersion(d);
          assert.equal(added.status, 'added');
          const got = await repo.getComponentVersion(C, '1.0.0');
          assert.deepEqual(got.descriptor, d);
          assert.equal(got.resolution.kind, 'version');
          assert.equal(got.resolution.version, '1.0.0');
          assert.equal(got.resolution.digest, added.digest);
        }));

      it('maps build metadata to .build- tags and back', () =>
        withRepo(async (repo) => {
          await versions(repo, '1.0.0+5', 'v2.0');
          assert.equal(
            (await repo.getComponentVersion(C, '1.0.0+5')).descriptor.component.version,
            '1.0.0+5',
          );
          assert.deepEqual(await repo.listComponentVersions(C), ['v2.0', '1.0.0+5']);
        }));

      it('lists versions newest first, without aliases, and nothing for an unknown component (S20, S21, S24)', () =>
        withRepo(async (repo) => {
          assert.deepEqual(await repo.listComponentVersions('example.com/none/such'), []);
          await versions(repo, '1.0.0', '3.0.0', '2.0.0', '2.0.0-rc.1');
          await repo.addComponentVersionAlias(C, '1.0.0', 'latest');
          await repo.addComponentVersionAlias(C, '1.0.0', 'stable');
          assert.deepEqual(await repo.listComponentVersions(C), ['3.0.0', '2.0.0', '2.0.0-rc.1', '1.0.0']);
          await repo.addComponentVersionAlias(C, '3.0.0', 'latest');
          await repo.removeComponentVersionAlias(C, 'stable');
          assert.deepEqual(await repo.listComponentVersions(C, { verify: true }), [
            '3.0.0',
            '2.0.0',
            '2.0.0-rc.1',
            '1.0.0',
          ]);
        }));

      it('fails with NotFoundError for an unknown version or component (S16)', () =>
        withRepo(async (repo) => {
          await versions(repo, '1.0.0');
          await assert.rejects(repo.getComponentVersion(C, '9.9.9'), NotFoundError);
          await assert.rejects(repo.getComponentVersion('example.com/none/such', '1.0.0'), NotFoundError);
          await assert.rejects(
            repo.addComponentVersionAlias('example.com/none/such', '1.0.0', 'latest'),
            NotFoundError,
          );
          await assert.rejects(repo.addComponentVersionAlias(C, '9.9.9', 'latest'), NotFoundError);
        }));

      it('applies the conflict policy: abort, skip, replace with an alias report (S41)', () =>
        withRepo(async (repo) => {
          const first = await repo.addComponentVersion(descriptor('1.0.0'));
          await repo.addComponentVersionAlias(C, '1.0.0', 'prod');
          await repo.addComponentVersionAlias(C, '1.0.0', 'dev');
          await assert.rejects(
            repo.addComponentVersion(descriptor('1.0.0', { provider: 'other.org' })),
            VersionExistsError,
          );
          const skipped = await repo.addComponentVersion(descriptor('1.0.0', { provider: 'other.org' }), {
            conflict: 'skip',
          });
          assert.equal(skipped.status, 'skipped');
          assert.equal(skipped.digest, first.digest);
          const same = await repo.addComponentVersion(descriptor('1.0.0'), { conflict: 'replace' });
          assert.equal(same.status, 'unchanged');
          const replaced = await repo.addComponentVersion(descriptor('1.0.0', { provider: 'other.org' }), {
            conflict: 'replace',
          });
          assert.equal(replaced.status, 'replaced');
          assert.equal(replaced.previousDigest, first.digest);
          assert.deepEqual(replaced.aliases, [
            { alias: 'dev', moved: false },
            { alias: 'prod', moved: false },
          ]);
          assert.equal(
            (await repo.getComponentVersion(C, '1.0.0')).descriptor.component.provider,
            'other.org',
          );
          assert.equal(
            (await repo.getComponentVersion(C, 'prod')).descriptor.component.provider,
            'acme.org',
            'aliases name digests',
          );
          const again = await repo.addComponentVersion(descriptor('1.0.0', { provider: 'third.org' }), {
            conflict: 'replace',
            moveAliases: true,
          });
          assert.deepEqual(again.aliases, [], 'no alias pointed at the replaced content');
          await repo.addComponentVersionAlias(C, '1.0.0', 'prod');
          const moved = await repo.addComponentVersion(descriptor('1.0.0', { provider: 'fourth.org' }), {
            conflict: 'replace',
            moveAliases: true,
          });
          assert.deepEqual(moved.aliases, [{ alias: 'prod', moved: true }]);
          assert.equal(
            (await repo.getComponentVersion(C, 'prod')).descriptor.component.provider,
            'fourth.org',
          );
        }));

      it('expect on addComponentVersion is a compare-and-swap on the version tag', () =>
        withRepo(async (repo) => {
          const first = await repo.addComponentVersion(descriptor('1.0.0'), { expect: 'absent' });
          await assert.rejects(
            repo.addComponentVersion(descriptor('1.0.0', { provider: 'b.org' }), {
              conflict: 'replace',
              expect: 'absent',
            }),
            ComponentVersionChangedError,
          );
          await assert.rejects(
            repo.addComponentVersion(descriptor('1.0.0', { provider: 'b.org' }), {
              conflict: 'replace',
              expect: `sha256:${'0'.repeat(64)}`,
            }),
            ComponentVersionChangedError,
          );
          assert.equal(
            (await repo.resolveComponentVersion(C, '1.0.0')).digest,
            first.digest,
            'nothing written',
          );
          const second = await repo.addComponentVersion(descriptor('1.0.0', { provider: 'b.org' }), {
            conflict: 'replace',
            expect: first.digest,
          });
          assert.equal(second.status, 'replaced');
        }));

      it('refuses a schema-violating descriptor and writes nothing', () =>
        withRepo(async (repo) => {
          const bad = descriptor('1.0.0');
          (bad.component as { name: string }).name = 'Not A Name';
          await assert.rejects(repo.addComponentVersion(bad), InvalidDescriptorError);
          const bad2 = descriptor('1.0.0', { resources: [resource('x'), resource('x')] });
          await assert.rejects(repo.addComponentVersion(bad2), InvalidDescriptorError);
          assert.deepEqual(await repo.listComponentVersions(C), []);
        }));

      it('stores local resources and sources and serves them by version and by alias (S9, S10)', () =>
        withRepo(async (repo) => {
          const data = Buffer.from('local resource bytes');
          const res = await repo.addLocalResource(C, resource('config', { type: 'plainText' }), {
            content: data,
            mediaType: 'text/plain',
          });
          const src = await repo.addLocalSource(
            C,
            { name: 'code', version: '1.0.0', type: 'git', access: { type: 'none' } },
            { content: Buffer.from('source bytes'), mediaType: 'application/x-tar' },
          );
          const shared = await repo.addLocalResource(C, resource('same-bytes', { type: 'plainText' }), {
            content: data,
            mediaType: 'text/plain',
          });
          const d = descriptor('1.0.0', { resources: [res, shared] });
          d.component.sources = [src];
          await repo.addComponentVersion(d);
          await repo.addComponentVersionAlias(C, '1.0.0', 'latest');
          for (const ref of ['1.0.0', 'latest']) {
            const got = await repo.getLocalResource(C, ref, { name: 'config' });
            assert.ok(Buffer.from(await readAll(got.content, 1024)).equals(data));
            assert.equal(got.resolution.version, '1.0.0');
            const s = await repo.getLocalSource(C, ref, { name: 'code' });
            assert.equal(Buffer.from(await readAll(s.content, 1024)).toString(), 'source bytes');
          }
          await assert.rejects(repo.getLocalResource(C, '1.0.0', { name: 'missing' }), NotFoundError);
          assert.equal(
            (await repo.getComponentVersion(C, 'latest')).descriptor.component.resources?.[0]?.digest
              ?.normalisationAlgorithm,
            'genericBlobDigest/v1',
          );
        }));

      it('refuses to read a tag that is not an OCM component version (S15)', () =>
        withRepo(async (repo, sut) => {
          await rawTag(sut, '9.9.9', { 'org.example': 'not ocm' });
          await assert.rejects(repo.getComponentVersion(C, '9.9.9'), InvalidComponentVersionError);
          await rawTag(sut, '8.8.8', { 'software.ocm.componentversion': 'example.com/other/thing:8.8.8' });
          await assert.rejects(repo.getComponentVersion(C, '8.8.8'), InvalidComponentVersionError);
          await rawTag(sut, '7.7.7', { 'software.ocm.componentversion': `${C}:7.7.8` });
          await assert.rejects(repo.getComponentVersion(C, '7.7.7'), InvalidComponentVersionError);
        }));
    });

    describe('OCI artifacts as local blobs (index form)', () => {
      it('S3: an OCI layout resource becomes a nested manifest; aliases and reads work through the index', () =>
        withRepo(async (repo) => {
          const layout = await readFile(join(fixturesDir, 'oci-layout/oci-layout.tar.gz'));
          const plain = await repo.addLocalResource(C, resource('notes', { type: 'plainText' }), {
            content: Buffer.from('notes'),
            mediaType: 'text/plain',
          });
          const image = await repo.addLocalResource(
            C,
            resource('image', { type: 'ociImage', version: '6.7.1' }),
            {
              content: layout,
              mediaType: 'application/vnd.ocm.software.oci.layout.v1+tar+gzip',
            },
          );
          assert.equal(image.access.mediaType, 'application/vnd.oci.image.manifest.v1+json');
          assert.equal(
            image.access.localReference,
            'sha256:3572605a9b5634cff58bf86d649df46638eb096b6987adfd03157f1306b66c6c',
          );
          assert.deepEqual(image.digest, {
            hashAlgorithm: 'SHA-256',
            normalisationAlgorithm: 'ociArtifactDigest/v1',
            value: '3572605a9b5634cff58bf86d649df46638eb096b6987adfd03157f1306b66c6c',
          });
          const v1 = await repo.addComponentVersion(descriptor('1.0.0', { resources: [plain, image] }));
          await repo.addComponentVersion(descriptor('2.0.0', { resources: [plain, image] }));
          assert.equal(v1.status, 'added');
          const resolved = await repo.resolveComponentVersion(C, '1.0.0');
          assert.equal(resolved.manifest.mediaType, 'application/vnd.oci.image.index.v1+json');
          await repo.addComponentVersionAlias(C, '1.0.0', 'latest');
          await repo.addComponentVersionAlias(C, '2.0.0', 'latest');
          await repo.addComponentVersionAlias(C, 'latest', 'stable');
          assert.equal((await repo.resolveComponentVersion(C, 'stable')).version, '2.0.0');
          assert.equal((await repo.getComponentVersion(C, '1.0.0')).descriptor.component.version, '1.0.0');
          const notes = await repo.getLocalResource(C, 'latest', { name: 'notes' });
          assert.equal(Buffer.from(await readAll(notes.content, 100)).toString(), 'notes');
          const got = await repo.getLocalResource(C, 'latest', { name: 'image' });
          assert.equal(got.layout, true);
          const files = await untarToMap(Buffer.from(await readAll(got.content, 1 << 24)));
          assert.equal(files.get('oci-layout')?.toString(), '{"imageLayoutVersion":"1.0.0"}');
          const index = JSON.parse(files.get('index.json')!.toString());
          assert.equal(index.manifests[0].digest, image.access.localReference);
          assert.equal(index.manifests[0].annotations['org.opencontainers.image.ref.name'], '6.7.1');
          const original = await untarToMap(gunzipSync(layout));
          const blobs = [...original].filter(([name]) => /^blobs\/sha256\/[0-9a-f]{64}$/.test(name));
          assert.equal(blobs.length, 4);
          for (const [name, bytes] of blobs) assert.ok(files.get(name)?.equals(bytes), name);
        }));
    });

    describe('aliases', () => {
      it('S1/S2/S11: several aliases on one version resolve to its real version', () =>
        withRepo(async (repo) => {
          const d = await versions(repo, '1.0.0', '2.0.0');
          for (const a of ['latest', 'stable', 'edge', 'prod-1'])
            await repo.addComponentVersionAlias(C, '1.0.0', a);
          for (const a of ['latest', 'stable', 'edge', 'prod-1']) {
            const got = await repo.getComponentVersion(C, a);
            assert.equal(got.descriptor.component.version, '1.0.0');
            assert.deepEqual(
              {
                requested: got.resolution.requested,
                version: got.resolution.version,
                kind: got.resolution.kind,
                digest: got.resolution.digest,
              },
              { requested: a, version: '1.0.0', kind: 'alias', digest: d['1.0.0'] },
            );
          }
          assert.equal((await repo.resolveComponentVersion(C, '1.0.0')).kind, 'version');
        }));

      it('S4/S5: an alias of an alias is a snapshot, not a link (DESIGN 4.2)', () =>
        withRepo(async (repo) => {
          await versions(repo, '1.0.0', '2.0.0');
          await repo.addComponentVersionAlias(C, '1.0.0', 'latest');
          await repo.addComponentVersionAlias(C, 'latest', 'stable');
          await repo.addComponentVersionAlias(C, 'stable', 'production');
          for (const a of ['latest', 'stable', 'production'])
            assert.equal((await repo.resolveComponentVersion(C, a)).version, '1.0.0');
          await repo.addComponentVersionAlias(C, '2.0.0', 'latest');
          assert.equal((await repo.resolveComponentVersion(C, 'latest')).version, '2.0.0');
          assert.equal((await repo.resolveComponentVersion(C, 'stable')).version, '1.0.0');
        }));

      it('S6/S7/S8: re-aliasing is idempotent; moving one alias leaves the others and every version', () =>
        withRepo(async (repo) => {
          await versions(repo, '1.0.0', '1.1.0', '2.0.0', '2.1.0');
          for (let i = 0; i < 3; i++) {
            const change = await repo.addComponentVersionAlias(C, '1.0.0', 'latest');
            assert.equal(change.version, '1.0.0');
            if (i > 0) assert.equal(change.previous?.version, '1.0.0');
          }
          await repo.addComponentVersionAlias(C, '1.0.0', 'stable');
          for (const v of ['1.1.0', '2.0.0', '2.1.0']) {
            const change = await repo.addComponentVersionAlias(C, v, 'latest');
            assert.equal(change.version, v);
          }
          assert.equal((await repo.resolveComponentVersion(C, 'latest')).version, '2.1.0');
          assert.equal((await repo.resolveComponentVersion(C, 'stable')).version, '1.0.0');
          for (const v of ['1.0.0', '1.1.0', '2.0.0', '2.1.0'])
            assert.equal((await repo.getComponentVersion(C, v)).descriptor.component.version, v);
        }));

      it('S12/S13/S17: names that are, or read back as, versions, bad tags and reserved names are refused (DESIGN 4.1)', () =>
        withRepo(async (repo) => {
          await versions(repo, '1.0.0', '2.0.0', '1.0.0+5');
          for (const bad of [
            '2.0.0',
            '1',
            'v1',
            '1.2',
            'v1.2.3',
            '1-rc',
            '1.0.0-rc.1',
            '2024.12.10',
            '1.0.0.build-5',
            '1.0.0.build-anything',
          ]) {
            await assert.rejects(repo.addComponentVersionAlias(C, '1.0.0', bad), InvalidAliasError, bad);
          }
          for (const bad of [
            '-bad',
            'a'.repeat(129),
            'has space',
            '',
            `sha256-${'a'.repeat(64)}`,
            '_ocm-index',
          ]) {
            await assert.rejects(repo.addComponentVersionAlias(C, '1.0.0', bad), InvalidAliasError, bad);
          }
          assert.equal(
            (await repo.getComponentVersion(C, '1.0.0+5')).descriptor.component.version,
            '1.0.0+5',
          );
          assert.equal((await repo.getComponentVersion(C, '2.0.0')).descriptor.component.version, '2.0.0');
          assert.deepEqual(await repo.listComponentVersions(C), ['2.0.0', '1.0.0+5', '1.0.0']);
          for (const ok of ['V1.0.0', '01', '1.02', '1.0.0.0', 'prod-1']) {
            assert.equal((await repo.addComponentVersionAlias(C, '1.0.0', ok)).alias, ok);
          }
        }));

      it('S14/S15: never overwrites a tag that is not an alias of this component', () =>
        withRepo(async (repo, sut) => {
          await versions(repo, '1.0.0');
          await rawTag(sut, 'foreign', { 'org.example': 'some image' });
          await assert.rejects(repo.addComponentVersionAlias(C, '1.0.0', 'foreign'), NotAnAliasError);
          await rawTag(sut, 'legacy', {}, 'application/vnd.ocm.software.component.config.v1+json');
          await assert.rejects(repo.addComponentVersionAlias(C, '1.0.0', 'legacy'), VersionTagConflictError);
          await rawTag(sut, 'other', { 'software.ocm.componentversion': 'example.com/other/thing:1.0.0' });
          await assert.rejects(repo.addComponentVersionAlias(C, 'other', 'x'), InvalidComponentVersionError);
          await assert.rejects(repo.addComponentVersionAlias(C, '1.0.0', 'other'), NotAnAliasError);
          // Not aliases of this component, and never silently dropped: listed with what is wrong.
          const listed = await repo.listComponentVersionAliases(C);
          assert.deepEqual(
            listed.map((a) => [a.alias, a.version, a.digest]),
            [
              ['foreign', undefined, undefined],
              ['other', undefined, undefined],
            ],
          );
          for (const a of listed)
            assert.match(a.problem ?? '', /not a version of example\.com\/shop\/checkout/);
        }));

      it('S25/S26/S27/S28: removing an alias touches only it', () =>
        withRepo(async (repo) => {
          const d = await versions(repo, '1.0.0');
          await repo.addComponentVersionAlias(C, '1.0.0', 'latest');
          await repo.addComponentVersionAlias(C, '1.0.0', 'stable');
          const removed = await repo.removeComponentVersionAlias(C, 'latest');
          assert.deepEqual(
            { version: removed.version, digest: removed.digest },
            { version: '1.0.0', digest: d['1.0.0'] },
          );
          // The stored alias is gone; `latest` now falls back to the computed one (DESIGN 4.8).
          assert.equal((await repo.resolveComponentVersion(C, 'latest')).kind, 'computed');
          await assert.rejects(repo.getComponentVersion(C, 'edge'), NotFoundError);
          assert.equal((await repo.resolveComponentVersion(C, 'stable')).version, '1.0.0');
          assert.equal((await repo.getComponentVersion(C, '1.0.0')).resolution.digest, d['1.0.0']);
          await assert.rejects(repo.removeComponentVersionAlias(C, 'latest'), NotFoundError);
          await assert.rejects(repo.removeComponentVersionAlias(C, '1.0.0'), NotAnAliasError);
          await assert.rejects(repo.removeComponentVersionAlias(C, '1.0.0.build-5'), NotAnAliasError);
          await repo.removeComponentVersionAlias(C, 'stable');
          assert.equal(
            (await repo.getComponentVersion(C, '1.0.0')).descriptor.component.version,
            '1.0.0',
            'content stays',
          );
        }));

      it('S30: no duplicate alias rows; a removed alias no longer resolves', () =>
        withRepo(async (repo) => {
          await versions(repo, '1.0.0', '2.0.0');
          await repo.addComponentVersionAlias(C, '1.0.0', 'latest');
          await repo.addComponentVersionAlias(C, '1.0.0', 'stable');
          await repo.addComponentVersionAlias(C, '2.0.0', 'latest');
          await repo.addComponentVersionAlias(C, '2.0.0', 'stable');
          await repo.addComponentVersionAlias(C, '1.0.0', 'edge');
          const aliases = await repo.listComponentVersionAliases(C);
          assert.deepEqual(
            aliases.map((a) => `${a.alias}=${a.version}`),
            ['edge=1.0.0', 'latest=2.0.0', 'stable=2.0.0'],
          );
          await repo.removeComponentVersionAlias(C, 'edge');
          await assert.rejects(repo.resolveComponentVersion(C, 'edge'), NotFoundError);
          assert.deepEqual(
            (await repo.listComponentVersionAliases(C)).map((a) => a.alias),
            ['latest', 'stable'],
          );
        }));

      it('lists aliases with version and digest', () =>
        withRepo(async (repo) => {
          const d = await versions(repo, '1.0.0', '2.0.0');
          await repo.addComponentVersionAlias(C, '2.0.0', 'prod');
          await repo.addComponentVersionAlias(C, '1.0.0', 'dev');
          assert.deepEqual(await repo.listComponentVersionAliases(C), [
            { alias: 'dev', version: '1.0.0', digest: d['1.0.0'] },
            { alias: 'prod', version: '2.0.0', digest: d['2.0.0'] },
          ]);
          assert.deepEqual(await repo.listComponentVersionAliases('example.com/none/such'), []);
        }));

      it('S48-S50 replaced by DESIGN 4.8: version tag, stored alias, then computed latest and stable', () =>
        withRepo(async (repo) => {
          await assert.rejects(repo.resolveComponentVersion(C, 'latest'), NotFoundError);
          await versions(repo, '1.0.0', '1.1.0', '2.0.0-rc.1');
          const latest = await repo.getComponentVersion(C, 'latest');
          assert.deepEqual(
            [latest.resolution.kind, latest.resolution.version, latest.descriptor.component.version],
            ['computed', '2.0.0-rc.1', '2.0.0-rc.1'],
          );
          const stable = await repo.resolveComponentVersion(C, 'stable');
          assert.deepEqual([stable.kind, stable.version], ['computed', '1.1.0']);
          await repo.addComponentVersionAlias(C, '1.0.0', 'latest');
          const stored = await repo.resolveComponentVersion(C, 'latest');
          assert.deepEqual([stored.kind, stored.version], ['alias', '1.0.0']);
          const fromComputed = await repo.addComponentVersionAlias(C, 'stable', 'prod');
          assert.equal(fromComputed.version, '1.1.0');
          await assert.rejects(repo.resolveComponentVersion(C, 'nightly'), NotFoundError);
        }));

      it('expect: moves only when the alias still points where the caller thinks (DESIGN 4.4)', () =>
        withRepo(async (repo) => {
          const d = await versions(repo, '1.0.0', '2.0.0', '3.0.0');
          await repo.addComponentVersionAlias(C, '1.0.0', 'prod', { expect: 'absent' });
          await assert.rejects(
            repo.addComponentVersionAlias(C, '2.0.0', 'prod', { expect: 'absent' }),
            AliasConflictError,
          );
          await assert.rejects(
            repo.addComponentVersionAlias(C, '2.0.0', 'prod', { expect: '3.0.0' }),
            AliasConflictError,
          );
          await assert.rejects(
            repo.addComponentVersionAlias(C, '2.0.0', 'prod', { expect: d['3.0.0']! }),
            AliasConflictError,
          );
          assert.equal(
            (await repo.resolveComponentVersion(C, 'prod')).version,
            '1.0.0',
            'a failed expect changes nothing',
          );
          await repo.addComponentVersionAlias(C, '2.0.0', 'prod', { expect: '1.0.0' });
          await repo.addComponentVersionAlias(C, '3.0.0', 'prod', { expect: d['2.0.0']! });
          assert.equal((await repo.resolveComponentVersion(C, 'prod')).version, '3.0.0');
          await assert.rejects(
            repo.addComponentVersionAlias(C, '1.0.0', 'qa', { expect: '1.0.0' }),
            AliasConflictError,
          );
          await assert.rejects(
            repo.removeComponentVersionAlias(C, 'prod', { expect: '2.0.0' }),
            AliasConflictError,
          );
          assert.equal((await repo.resolveComponentVersion(C, 'prod')).version, '3.0.0');
          await repo.removeComponentVersionAlias(C, 'prod', { expect: '3.0.0' });
          await assert.rejects(repo.getComponentVersion(C, 'prod'), NotFoundError);
        }));
    });
  });
}
