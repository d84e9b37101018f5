/**
 * Distribution's garbage collection keeps everything ocm-ts writes (docs/formats.md, Garbage
 * collection on a registry). Every shape is written to a real Distribution 2.8 registry, read back
 * in full, then the registry is stopped, `docker-registry garbage-collect CONFIG` runs on its storage
 * (first without, then with `--delete-untagged`), the registry starts again on the same storage, and
 * everything must read and verify exactly as before: versions, aliases, descriptors, every local
 * resource byte for byte, signatures, the alias history and the stage policy, and each tag and nested
 * manifest as skopeo sees it.
 */
import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { NotFoundError } from '../../src/errors.js';
import { readAll } from '../../src/oci/content/read.js';
import type { Descriptor } from '../../src/oci/descriptor.js';
import { isImageIndex, parseManifest } from '../../src/oci/manifest.js';
import type { RegistryStore } from '../../src/registry/index.js';
import {
  OcmRepository,
  signComponentVersion,
  transferComponentVersion,
  verifyComponentVersion,
} from '../../src/repository/index.js';
import { pushOciLayout } from '../../src/repository/oci-layout.js';
import { getAliasHistory, HistoryJournal } from '../../src/stages/history/index.js';
import { getStagePolicy, setStagePolicy } from '../../src/stages/policy/index.js';
import { descriptor, resource } from '../support/descriptors.js';
import { fixturesDir } from '../support/paths.js';
import { requirePrograms, skopeoRaw, startRegistry, type TestRegistry } from '../support/registry.js';
import { type GarbageCollectResult, garbageCollect } from '../support/registry-gc.js';

const MANIFEST = 'example.com/gc/manifest';
const INDEX = 'example.com/gc/index';
const BY_VALUE = 'example.com/gc/by-value';
const SIGNED = 'example.com/gc/signed';
const LAYOUT_MEDIA_TYPE = 'application/vnd.ocm.software.oci.layout.v1+tar+gzip';
const IMAGE_DIGEST = 'sha256:3572605a9b5634cff58bf86d649df46638eb096b6987adfd03157f1306b66c6c';

const keys = generateKeyPairSync('rsa', {
  modulusLength: 2048,
  publicKeyEncoding: { type: 'spki', format: 'pem' },
  privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
});

/** What one repository prefix and component read back as, in full. */
interface Snapshot {
  readonly versions: string[];
  readonly aliases: unknown[];
  readonly names: Record<string, unknown>;
  readonly history: string[];
  readonly policy: string | undefined;
}

describe('registry garbage collection (docker-registry garbage-collect)', () => {
  let reg: TestRegistry;
  let store: RegistryStore;
  /** What every shape read back as before any garbage collection. */
  const expected = new Map<string, Snapshot>();
  /** The manifest a signature and a replace left behind: untagged garbage, which --delete-untagged removes. */
  const superseded: { prefix: string; component: string; digest: string }[] = [];
  /** [prefix, component] of every shape. */
  const shapes: [string, string][] = [
    ['gc', MANIFEST],
    ['gc', INDEX],
    ['gc', BY_VALUE],
    ['gc', SIGNED],
    ['gc-copy', INDEX],
  ];
  // Alias moves are recorded under `_ocm.history`, as `openRepository` does; the clock is a counter.
  let tick = Date.UTC(2026, 0, 1);
  const now = () => {
    tick += 1000;
    return new Date(tick);
  };
  const journal = new HistoryJournal({ now, actor: 'gc-test' });
  const repo = (prefix: string) => new OcmRepository(store, { prefix, journal });

  before(async () => {
    requirePrograms('docker-registry', 'skopeo');
    reg = await startRegistry('anonymous');
    store = reg.open();
    await writeEverything();
    for (const [prefix, component] of shapes)
      expected.set(`${prefix}//${component}`, await snapshot(prefix, component));
    // Not vacuous: alias moves were recorded, and a stage policy is stored.
    assert.ok(expected.get(`gc//${MANIFEST}`)!.history.length >= 6);
    assert.ok(expected.get(`gc//${SIGNED}`)!.policy);
  });
  after(async () => {
    await store?.close();
    await reg?.close();
  });

  async function writeEverything() {
    const gc = repo('gc');
    const layout = await readFile(join(fixturesDir, 'oci-layout/oci-layout.tar.gz'));

    // Manifest form with local blobs; aliases set, moved, and removed (Distribution 2.8 refuses tag
    // DELETE, so removal goes through a throw-away manifest); a version replaced with its alias moved.
    const notes = (text: string) =>
      gc.addLocalResource(MANIFEST, resource('notes', { type: 'plainText' }), {
        content: Buffer.from(text),
        mediaType: 'text/plain',
      });
    await gc.addComponentVersion(descriptor('1.0.0', { name: MANIFEST, resources: [await notes('one')] }));
    await gc.addComponentVersion(descriptor('1.1.0', { name: MANIFEST, resources: [await notes('two')] }));
    await gc.addComponentVersion(descriptor('1.2.0', { name: MANIFEST, resources: [await notes('three')] }));
    await gc.addComponentVersionAlias(MANIFEST, '1.0.0', 'dev');
    await gc.addComponentVersionAlias(MANIFEST, '1.0.0', 'prod');
    await gc.addComponentVersionAlias(MANIFEST, '1.1.0', 'dev', { expect: '1.0.0' });
    await gc.addComponentVersionAlias(MANIFEST, '1.0.0', 'tmp');
    await gc.removeComponentVersionAlias(MANIFEST, 'tmp');
    await gc.addComponentVersionAlias(MANIFEST, '1.2.0', 'qa');
    const replaced = await gc.addComponentVersion(
      descriptor('1.2.0', { name: MANIFEST, resources: [await notes('three, again')] }),
      { conflict: 'replace', moveAliases: true },
    );
    assert.equal(replaced.status, 'replaced');
    superseded.push({ prefix: 'gc', component: MANIFEST, digest: replaced.previousDigest! });

    // Index form: an OCI layout as a local blob becomes a nested manifest; two versions share it.
    const text = await gc.addLocalResource(INDEX, resource('notes', { type: 'plainText' }), {
      content: Buffer.from('index notes'),
      mediaType: 'text/plain',
    });
    const image = await gc.addLocalResource(
      INDEX,
      resource('image', { type: 'ociImage', version: '6.7.1' }),
      {
        content: layout,
        mediaType: LAYOUT_MEDIA_TYPE,
      },
    );
    assert.equal(image.access.localReference, IMAGE_DIGEST);
    await gc.addComponentVersion(descriptor('1.0.0', { name: INDEX, resources: [text, image] }));
    await gc.addComponentVersion(descriptor('2.0.0', { name: INDEX, resources: [image] }));
    await gc.addComponentVersionAlias(INDEX, '1.0.0', 'prod');
    await gc.addComponentVersionAlias(INDEX, '2.0.0', 'dev');
    // A signed index-form version: signing re-pushes the index and moves `dev` along.
    const signedIndex = await signComponentVersion(gc, INDEX, 'dev', {
      name: 'acme',
      privateKey: keys.privateKey,
    });
    assert.deepEqual(signedIndex.movedAliases, ['dev']);
    superseded.push({ prefix: 'gc', component: INDEX, digest: signedIndex.previousDigest });

    // An index-form version copied as stored (manifests and blobs as they are) with its aliases.
    const copied = await transferComponentVersion(gc, repo('gc-copy'), INDEX, 'dev', { copyAliases: true });
    assert.deepEqual(copied.aliases, ['dev']);
    await transferComponentVersion(gc, repo('gc-copy'), INDEX, 'prod', { copyAliases: true });

    // A resource copied by value: an image referenced by the source becomes a nested manifest.
    const images = store.repository('gc-images/demo');
    const root = await pushOciLayout(images, layout);
    await images.tag(root, '1.0');
    const source = repo('gc-source');
    await source.addComponentVersion(
      descriptor('1.0.0', {
        name: BY_VALUE,
        resources: [
          resource('image', {
            type: 'ociImage',
            relation: 'external',
            access: { type: 'ociArtifact', imageReference: `${reg.host}/gc-images/demo:1.0` },
            digest: {
              hashAlgorithm: 'SHA-256',
              normalisationAlgorithm: 'ociArtifactDigest/v1',
              value: IMAGE_DIGEST.slice('sha256:'.length),
            },
          }),
        ],
      }),
    );
    await source.addComponentVersionAlias(BY_VALUE, '1.0.0', 'prod');
    const byValue = await transferComponentVersion(source, gc, BY_VALUE, 'prod', {
      copyAliases: true,
      copyResources: {
        fetchArtifact: async (reference, options) => {
          assert.equal(reference, `${reg.host}/gc-images/demo:1.0`);
          return { store: images, descriptor: await images.resolve('1.0', options) };
        },
      },
    });
    assert.deepEqual(byValue.aliases, ['prod']);
    const byValueTop = await gc.resolveComponentVersion(BY_VALUE, '1.0.0');
    assert.equal(byValueTop.manifest.mediaType, 'application/vnd.oci.image.index.v1+json');

    // A signed manifest-form version: signing re-pushes the descriptor and moves the aliases.
    const blob = await gc.addLocalResource(SIGNED, resource('binary', { type: 'executable' }), {
      content: Buffer.from('the binary'),
      mediaType: 'application/octet-stream',
    });
    await gc.addComponentVersion(descriptor('3.0.0', { name: SIGNED, resources: [blob] }));
    await gc.addComponentVersionAlias(SIGNED, '3.0.0', 'staging');
    await gc.addComponentVersionAlias(SIGNED, 'staging', 'prod');
    const signed = await signComponentVersion(gc, SIGNED, 'prod', {
      name: 'acme',
      privateKey: keys.privateKey,
    });
    assert.deepEqual(signed.movedAliases, ['prod', 'staging']);
    superseded.push({ prefix: 'gc', component: SIGNED, digest: signed.previousDigest });

    // Stage policies under `_ocm.stages`: set, then replaced (the first document becomes garbage).
    await setStagePolicy(gc, SIGNED, 'stages:\n  - name: staging\n  - name: prod\n    from: staging\n');
    await setStagePolicy(gc, SIGNED, 'stages:\n  - name: dev\n  - name: staging\n  - name: prod\n');
  }

  /**
   * Everything a component reads back as, through the API and through skopeo, signatures verified
   * where there are any; fails on anything unreadable.
   */
  async function snapshot(prefix: string, component: string): Promise<Snapshot> {
    const r = repo(prefix);
    const versions = await r.listComponentVersions(component, { verify: true });
    const aliases = await r.listComponentVersionAliases(component);
    const names: Record<string, unknown> = {};
    for (const name of [...versions, ...aliases.map((a) => a.alias), 'latest']) {
      const { descriptor: d, resolution } = await r.getComponentVersion(component, name);
      const resources: Record<string, string> = {};
      for (const res of d.component.resources ?? []) {
        if (res.access.type !== 'localBlob') continue;
        const got = await r.getLocalResource(component, name, { name: res.name });
        const bytes = await readAll(got.content, 64 * 1024 * 1024);
        resources[res.name] =
          `${got.layout ? 'layout' : 'blob'} ${createHash('sha256').update(bytes).digest('hex')}`;
      }
      const verified = d.signatures?.length
        ? (await verifyComponentVersion(r, component, name, { publicKey: keys.publicKey })).digest
        : undefined;
      names[name] = {
        version: resolution.version,
        digest: resolution.digest,
        descriptor: JSON.stringify(d),
        resources,
        verified,
        skopeo: await skopeoGraph(
          r.repositoryOf(component),
          resolution.kind === 'computed' ? `@${resolution.digest}` : `:${name}`,
          resolution.manifest,
        ),
      };
    }
    // The alias history (chain verified while read) and the stage policy, where there are any.
    const history = (await getAliasHistory(r, component)).map((e) => JSON.stringify(e));
    const policy = (await getStagePolicy(r, component))?.manifestDigest;
    return { versions, aliases, names, history, policy };
  }

  /**
   * skopeo's view of a tag or digest: `inspect --raw` returns bytes with the digest we resolved; for an index,
   * every manifest it lists (and theirs, recursively) is there by digest as well.
   */
  async function skopeoGraph(repository: string, reference: string, top: Descriptor): Promise<string[]> {
    const seen: string[] = [];
    const visit = async (reference: string, want: Descriptor) => {
      const raw = await skopeoRaw([
        'inspect',
        '--raw',
        ...reg.skopeoArgs(''),
        `docker://${reg.host}/${repository}${reference}`,
      ]);
      assert.equal(
        `sha256:${createHash('sha256').update(raw).digest('hex')}`,
        want.digest,
        `${repository}${reference}`,
      );
      seen.push(want.digest);
      const m = parseManifest(raw, want.mediaType);
      if (isImageIndex(m)) for (const child of m.manifests) await visit(`@${child.digest}`, child);
    };
    await visit(reference, top);
    return seen;
  }

  /** Distribution's own count line: `N blobs marked, N blobs and N manifests eligible for deletion`. */
  function summary(result: GarbageCollectResult): string {
    return /\d+ blobs marked.*/.exec(result.output)?.[0] ?? result.output;
  }

  async function expectUnchanged(result: GarbageCollectResult) {
    for (const [prefix, component] of shapes) {
      const key = `${prefix}//${component}`;
      let after: Snapshot;
      try {
        after = await snapshot(prefix, component);
      } catch (err) {
        assert.fail(
          `${key} no longer reads after garbage collection: ${(err as Error).message}\n${result.output}`,
        );
      }
      assert.deepEqual(after, expected.get(key), key);
    }
  }

  it('anchors each manifest an index-form version lists with a reserved tag, never listed as a version or an alias', async () => {
    const gc = repo('gc');
    const tags: string[] = [];
    for await (const page of store.repository(gc.repositoryOf(INDEX)).tags()) tags.push(...page);
    const anchors = tags.filter((t) => t.startsWith('_ocm.keep.'));
    // Descriptor manifests of 1.0.0, of 2.0.0 before and after signing, and the one image both share.
    assert.equal(anchors.length, 4, tags.join(' '));
    assert.ok(anchors.includes(`_ocm.keep.sha256.${IMAGE_DIGEST.slice('sha256:'.length)}`), tags.join(' '));
    assert.deepEqual(await gc.listComponentVersions(INDEX), ['2.0.0', '1.0.0']);
    assert.deepEqual(
      (await gc.listComponentVersionAliases(INDEX)).map((a) => a.alias),
      ['dev', 'prod'],
    );
    for (const anchor of anchors) await assert.rejects(gc.getComponentVersion(INDEX, anchor), NotFoundError);
  });

  describe('without --delete-untagged', () => {
    let result: GarbageCollectResult;
    before(async () => {
      result = await garbageCollect(reg, { deleteUntagged: false });
    });

    it('every version, alias and resource of every shape reads and verifies as before', async (t) => {
      t.diagnostic(summary(result));
      await expectUnchanged(result);
    });

    it('keeps the manifests that signing and replacing left untagged', async () => {
      for (const s of superseded) {
        const found = await store.repository(repo(s.prefix).repositoryOf(s.component)).resolve(s.digest);
        assert.equal(found.digest, s.digest);
      }
    });
  });

  describe('with --delete-untagged', () => {
    let result: GarbageCollectResult;
    before(async () => {
      result = await garbageCollect(reg, { deleteUntagged: true });
    });

    it('every version, alias and resource of every shape reads and verifies as before', async (t) => {
      t.diagnostic(summary(result));
      await expectUnchanged(result);
    });

    it('collects what is garbage: the manifests that signing and replacing superseded', async () => {
      assert.ok(result.manifestsDeleted >= superseded.length, result.output);
      for (const s of superseded) {
        await assert.rejects(
          store.repository(repo(s.prefix).repositoryOf(s.component)).resolve(s.digest),
          NotFoundError,
          `${s.component}@${s.digest}`,
        );
      }
    });

    it('a second run finds nothing more to delete, and everything still reads', async () => {
      const again = await garbageCollect(reg, { deleteUntagged: true });
      assert.equal(again.manifestsDeleted, 0, again.output);
      await expectUnchanged(again);
    });
  });
});
