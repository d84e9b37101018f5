/**
 * Tag removal on CNCF Distribution 2.8, which refuses tag DELETE: the throw-away manifest fallback
 * (DESIGN 4.5) removes the tag and leaves the manifest and its sibling tags, as skopeo sees it.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { NotFoundError, UnsupportedError } from '../../src/errors.js';
import {
  type RegistryStore,
  type RequestEvent,
  TagDeletionUnsupportedError,
} from '../../src/registry/index.js';
import { blob, collect, manifest } from '../support/content.js';
import { rejection, skopeo, skopeoRaw, startRegistry, type TestRegistry } from '../support/registry.js';

async function pushTagged(store: RegistryStore, repoName: string, tags: readonly string[]) {
  const repo = store.repository(repoName);
  const config = blob('{}', 'application/vnd.oci.empty.v1+json');
  const layer = blob(`layer of ${repoName}`);
  await repo.push(config.descriptor, config.bytes);
  await repo.push(layer.descriptor, layer.bytes);
  const m = manifest([layer], config);
  await repo.push(m.descriptor, m.bytes);
  for (const t of tags) await repo.tag(m.descriptor, t);
  return { repo, m };
}

describe('tag removal on Distribution 2.8', () => {
  let reg: TestRegistry;
  let store: RegistryStore;
  const events: RequestEvent[] = [];
  before(async () => {
    reg = await startRegistry('anonymous');
    store = reg.open({ onRequest: (e) => events.push(e) });
  });
  after(async () => {
    await store?.close();
    await reg?.close();
  });

  it('removes only the tag: sibling tags and the manifest stay (checked with skopeo)', async () => {
    const { repo, m } = await pushTagged(store, 'untag/siblings', ['1.0.0', 'prod', 'staging']);
    events.length = 0;
    await repo.untag('prod');
    const calls = events.map(
      (e) => `${e.method} ${new URL(e.url).pathname.replace('/v2/untag/siblings', '')}`,
    );
    // DELETE on the tag (refused with 400), then the throw-away manifest, deleted by its own digest.
    assert.equal(calls[0], 'DELETE /manifests/prod');
    assert.ok(calls.includes('PUT /manifests/prod'), calls.join('\n'));
    const deletes = calls.filter((c) => c.startsWith('DELETE /manifests/sha256:'));
    assert.equal(deletes.length, 1);
    assert.ok(!deletes[0]!.includes(m.descriptor.digest), 'the shared manifest is never deleted');
    assert.ok(calls.length <= 6, `untag took ${calls.length} requests`);

    const listed = JSON.parse(
      await skopeo(['list-tags', ...reg.skopeoArgs(''), `docker://${reg.host}/untag/siblings`]),
    ) as { Tags: string[] };
    assert.deepEqual(listed.Tags.sort(), ['1.0.0', 'staging']);
    for (const t of ['1.0.0', 'staging']) {
      const raw = await skopeoRaw([
        'inspect',
        ...reg.skopeoArgs(''),
        '--raw',
        `docker://${reg.host}/untag/siblings:${t}`,
      ]);
      assert.ok(raw.equals(Buffer.from(m.bytes)), `${t} still names the manifest`);
    }
    assert.equal((await repo.resolve(m.descriptor.digest)).digest, m.descriptor.digest);
    await assert.rejects(repo.resolve('prod'), NotFoundError);
    assert.deepEqual(await collect(repo.tags()), ['1.0.0', 'staging']);

    // The store remembers the refusal: the next removal goes straight to the fallback.
    events.length = 0;
    await repo.untag('staging');
    assert.deepEqual(
      events.map((e) => e.method),
      ['HEAD', 'PUT', 'DELETE'],
    );
    assert.deepEqual(await collect(repo.tags()), ['1.0.0']);
  });

  it('removes the last tag of a manifest and keeps the manifest by digest', async () => {
    const { repo, m } = await pushTagged(store, 'untag/last', ['only']);
    await repo.untag('only');
    assert.deepEqual(await collect(repo.tags()), []);
    assert.equal((await repo.resolve(m.descriptor.digest)).digest, m.descriptor.digest);
  });

  it('fails with NotFoundError for a tag that does not exist', async () => {
    const { repo } = await pushTagged(store, 'untag/missing', ['1.0.0']);
    await assert.rejects(repo.untag('nope'), NotFoundError);
    assert.deepEqual(await collect(repo.tags()), ['1.0.0']);
  });
});

describe('tag removal on a registry with deletes disabled', () => {
  let reg: TestRegistry;
  let store: RegistryStore;
  before(async () => {
    reg = await startRegistry('anonymous', { deletes: false });
    store = reg.open();
  });
  after(async () => {
    await store?.close();
    await reg?.close();
  });

  it('throws TagDeletionUnsupportedError and leaves the tag where it was', async () => {
    const { repo, m } = await pushTagged(store, 'untag/nodelete', ['1.0.0', 'prod']);
    const err = await rejection(repo.untag('prod'));
    assert.ok(err instanceof TagDeletionUnsupportedError);
    assert.ok(err instanceof UnsupportedError);
    assert.equal(err.code, 'TAG_DELETION_UNSUPPORTED');
    assert.equal((await repo.resolve('prod')).digest, m.descriptor.digest, 'the tag is put back');
    assert.equal((await repo.resolve('1.0.0')).digest, m.descriptor.digest);
    const raw = await skopeoRaw([
      'inspect',
      ...reg.skopeoArgs(''),
      '--raw',
      `docker://${reg.host}/untag/nodelete:prod`,
    ]);
    assert.ok(raw.equals(Buffer.from(m.bytes)));
  });

  it('deleting a manifest by digest fails with UnsupportedError', async () => {
    const { repo, m } = await pushTagged(store, 'untag/nodelete2', ['1.0.0']);
    await assert.rejects(repo.delete(m.descriptor), UnsupportedError);
  });
});
