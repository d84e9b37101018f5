/**
 * The store contract: every implementation of the content interfaces (memory, CTF directory, tar
 * and tgz, every registry variant) runs these same cases. Implementations add their own tests beside.
 */
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { NotFoundError } from '../../src/errors.js';
import { canDelete, canFetchReference, canUntag } from '../../src/oci/content/guards.js';
import { fetchAll, readAll } from '../../src/oci/content/read.js';
import type { Store, StoreProvider } from '../../src/oci/content/storage.js';
import { DigestMismatchError, InvalidReferenceError, SizeMismatchError } from '../../src/oci/errors.js';
import { blob, collect, collectFlat, imageIndex, manifest, randomBlob } from '../support/content.js';

export interface StoreUnderTest {
  readonly provider: StoreProvider;
  /** Releases what the store holds (temporary files, connections). */
  close(): Promise<void>;
}

export interface ContractOptions {
  /** Whether the backend can delete manifests by digest. */
  readonly deletes?: boolean;
  /** Whether `repositories()` can be listed (registries may refuse the catalog). */
  readonly listsRepositories?: boolean;
}

let counter = 0;
function uniqueRepo(): string {
  counter += 1;
  return `contract/r${Date.now().toString(36)}x${counter}`;
}

export function storeContract(
  name: string,
  open: () => Promise<StoreUnderTest>,
  options: ContractOptions = {},
): void {
  describe(`store contract: ${name}`, () => {
    async function withStore(fn: (repo: Store, provider: StoreProvider, repoName: string) => Promise<void>) {
      const sut = await open();
      try {
        const repoName = uniqueRepo();
        await fn(sut.provider.repository(repoName), sut.provider, repoName);
      } finally {
        await sut.close();
      }
    }

    it('pushes a blob, reports it present and fetches it verified', () =>
      withStore(async (repo) => {
        const b = blob('hello contract');
        assert.equal(await repo.exists(b.descriptor), false);
        await repo.push(b.descriptor, b.bytes);
        assert.equal(await repo.exists(b.descriptor), true);
        assert.deepEqual(Buffer.from(await fetchAll(repo, b.descriptor)), Buffer.from(b.bytes));
      }));

    it('pushing the same blob twice is idempotent', () =>
      withStore(async (repo) => {
        const b = blob('twice');
        await repo.push(b.descriptor, b.bytes);
        await repo.push(b.descriptor, Readable.from([b.bytes]));
        assert.deepEqual(Buffer.from(await fetchAll(repo, b.descriptor)), Buffer.from(b.bytes));
      }));

    it('streams a multi-megabyte blob both ways', () =>
      withStore(async (repo) => {
        const b = randomBlob(5 * 1024 * 1024 + 17);
        const chunks = [];
        for (let i = 0; i < b.bytes.byteLength; i += 65536) chunks.push(b.bytes.subarray(i, i + 65536));
        await repo.push(b.descriptor, Readable.from(chunks));
        const back = await readAll(await repo.fetch(b.descriptor), b.descriptor.size);
        assert.ok(Buffer.from(back).equals(Buffer.from(b.bytes)));
      }));

    it('refuses content whose digest does not match, and keeps nothing', () =>
      withStore(async (repo) => {
        const b = blob('real content');
        const liar = { ...b.descriptor, digest: blob('other content!').descriptor.digest };
        await assert.rejects(repo.push(liar, b.bytes), DigestMismatchError);
        assert.equal(await repo.exists(liar), false);
      }));

    it('refuses content whose size does not match, and keeps nothing', () =>
      withStore(async (repo) => {
        const b = blob('sized content');
        await assert.rejects(
          repo.push({ ...b.descriptor, size: b.descriptor.size + 1 }, b.bytes),
          SizeMismatchError,
        );
        await assert.rejects(
          repo.push({ ...b.descriptor, size: b.descriptor.size - 1 }, b.bytes),
          SizeMismatchError,
        );
        assert.equal(await repo.exists(b.descriptor), false);
      }));

    it('fails to fetch missing content with NotFoundError', () =>
      withStore(async (repo) => {
        await assert.rejects(repo.fetch(blob('never pushed').descriptor), NotFoundError);
      }));

    it('pushes a manifest, resolves it by digest and by tag, and fetches it', () =>
      withStore(async (repo) => {
        const layer = blob('layer-1');
        const config = blob('{}', 'application/vnd.oci.empty.v1+json');
        await repo.push(config.descriptor, config.bytes);
        await repo.push(layer.descriptor, layer.bytes);
        const m = manifest([layer], config);
        await repo.push(m.descriptor, m.bytes);
        const byDigest = await repo.resolve(m.descriptor.digest);
        assert.equal(byDigest.digest, m.descriptor.digest);
        assert.equal(byDigest.size, m.descriptor.size);
        assert.equal(byDigest.mediaType, m.descriptor.mediaType);
        await repo.tag(m.descriptor, 'v1');
        assert.equal((await repo.resolve('v1')).digest, m.descriptor.digest);
        assert.deepEqual(Buffer.from(await fetchAll(repo, byDigest)), Buffer.from(m.bytes));
        if (canFetchReference(repo)) {
          const got = await repo.fetchReference('v1');
          assert.equal(got.descriptor.digest, m.descriptor.digest);
          assert.ok(Buffer.from(await readAll(got.content, m.descriptor.size)).equals(Buffer.from(m.bytes)));
        }
      }));

    it('refuses a manifest whose referenced blobs are missing', () =>
      withStore(async (repo) => {
        const config = blob('{}', 'application/vnd.oci.empty.v1+json');
        await repo.push(config.descriptor, config.bytes);
        const m = manifest([blob('never pushed layer')], config);
        await assert.rejects(repo.push(m.descriptor, m.bytes), NotFoundError);
        await assert.rejects(repo.resolve(m.descriptor.digest), NotFoundError);
      }));

    it('stores an image index over manifests', () =>
      withStore(async (repo) => {
        const config = blob('{}', 'application/vnd.oci.empty.v1+json');
        await repo.push(config.descriptor, config.bytes);
        const m1 = manifest([], config);
        const m2 = manifest([], config);
        await repo.push(m1.descriptor, m1.bytes);
        await repo.push(m2.descriptor, m2.bytes);
        const idx = imageIndex([m1, m2]);
        await repo.push(idx.descriptor, idx.bytes);
        await repo.tag(idx.descriptor, 'multi');
        const got = await repo.resolve('multi');
        assert.equal(got.digest, idx.descriptor.digest);
        assert.equal(got.mediaType, 'application/vnd.oci.image.index.v1+json');
      }));

    it('moves a tag, lists every tag once, and never lists untagged manifests', () =>
      withStore(async (repo) => {
        const config = blob('{}', 'application/vnd.oci.empty.v1+json');
        await repo.push(config.descriptor, config.bytes);
        const [a, b, orphan] = [manifest([], config), manifest([], config), manifest([], config)];
        for (const m of [a, b, orphan]) await repo.push(m.descriptor, m.bytes);
        await repo.tag(a.descriptor, 'v1');
        await repo.tag(a.descriptor, 'latest');
        await repo.tag(b.descriptor, 'v2');
        await repo.tag(b.descriptor, 'latest');
        assert.equal((await repo.resolve('latest')).digest, b.descriptor.digest);
        assert.equal((await repo.resolve('v1')).digest, a.descriptor.digest);
        assert.deepEqual((await collect(repo.tags())).sort(), ['latest', 'v1', 'v2']);
        assert.equal((await repo.resolve(orphan.descriptor.digest)).digest, orphan.descriptor.digest);
      }));

    it('lists tags in pages and after a given tag', () =>
      withStore(async (repo) => {
        const config = blob('{}', 'application/vnd.oci.empty.v1+json');
        await repo.push(config.descriptor, config.bytes);
        const m = manifest([], config);
        await repo.push(m.descriptor, m.bytes);
        const names = Array.from({ length: 12 }, (_, i) => `t${String(i).padStart(2, '0')}`);
        for (const t of names) await repo.tag(m.descriptor, t);
        const pages = [];
        for await (const page of repo.tags({ pageSize: 5 })) pages.push(page);
        assert.deepEqual(pages.flat(), names);
        assert.deepEqual(await collect(repo.tags({ last: 't09' })), ['t10', 't11']);
      }));

    it('untags one tag and leaves the manifest and its other tags', () =>
      withStore(async (repo) => {
        if (!canUntag(repo)) throw new Error('store cannot untag');
        const config = blob('{}', 'application/vnd.oci.empty.v1+json');
        await repo.push(config.descriptor, config.bytes);
        const m = manifest([], config);
        await repo.push(m.descriptor, m.bytes);
        await repo.tag(m.descriptor, '1.0.0');
        await repo.tag(m.descriptor, 'prod');
        await repo.untag('prod');
        await assert.rejects(repo.resolve('prod'), NotFoundError);
        assert.equal((await repo.resolve('1.0.0')).digest, m.descriptor.digest);
        assert.equal((await repo.resolve(m.descriptor.digest)).digest, m.descriptor.digest);
        assert.deepEqual(await collect(repo.tags()), ['1.0.0']);
        await assert.rejects(repo.untag('prod'), NotFoundError);
      }));

    it('rejects bad tags and unknown references with typed errors', () =>
      withStore(async (repo) => {
        const config = blob('{}', 'application/vnd.oci.empty.v1+json');
        await repo.push(config.descriptor, config.bytes);
        const m = manifest([], config);
        await repo.push(m.descriptor, m.bytes);
        await assert.rejects(repo.tag(m.descriptor, '-bad'), InvalidReferenceError);
        await assert.rejects(repo.tag(m.descriptor, 'x'.repeat(129)), InvalidReferenceError);
        await assert.rejects(repo.resolve('nope'), NotFoundError);
        await assert.rejects(repo.tag(manifest([], config).descriptor, 'ghost'), NotFoundError);
      }));

    it('honours an aborted signal', () =>
      withStore(async (repo) => {
        const b = blob('abort');
        const signal = AbortSignal.abort();
        await assert.rejects(repo.push(b.descriptor, b.bytes, { signal }), { name: 'AbortError' });
        await assert.rejects(repo.resolve('x', { signal }), { name: 'AbortError' });
      }));

    if (options.deletes !== false) {
      it('deletes a manifest by digest, with its tags', () =>
        withStore(async (repo) => {
          if (!canDelete(repo)) throw new Error('store cannot delete');
          const config = blob('{}', 'application/vnd.oci.empty.v1+json');
          await repo.push(config.descriptor, config.bytes);
          const m = manifest([], config);
          await repo.push(m.descriptor, m.bytes);
          await repo.tag(m.descriptor, 'gone');
          await repo.delete(m.descriptor);
          await assert.rejects(repo.resolve('gone'), NotFoundError);
          await assert.rejects(repo.resolve(m.descriptor.digest), NotFoundError);
        }));
    }

    if (options.listsRepositories !== false) {
      it('lists repositories that hold manifests', () =>
        withStore(async (repo, provider, repoName) => {
          const config = blob('{}', 'application/vnd.oci.empty.v1+json');
          await repo.push(config.descriptor, config.bytes);
          const m = manifest([], config);
          await repo.push(m.descriptor, m.bytes);
          await repo.tag(m.descriptor, 'x');
          assert.ok((await collectFlat(provider.repositories())).includes(repoName));
        }));
    }
  });
}
