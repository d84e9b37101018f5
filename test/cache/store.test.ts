/** The caching store decorator over the in-memory reference store: which calls reach the store below. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { CachingProvider, ContentCache } from '../../src/cache/index.js';
import {
  canDelete,
  canMount,
  canPushIfAbsent,
  canPushReference,
  canUntag,
} from '../../src/oci/content/guards.js';
import { MemoryStore } from '../../src/oci/content/memory.js';
import { fetchAll, readAll } from '../../src/oci/content/read.js';
import { encodeManifest } from '../../src/oci/manifest.js';
import { MediaType } from '../../src/oci/mediatype.js';
import { blob } from '../support/content.js';

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** A memory store whose repository counts the calls that reach it. */
function setup() {
  const dir = mkdtempSync(join(tmpdir(), 'ocm-cache-store-'));
  dirs.push(dir);
  const memory = new MemoryStore();
  const calls: string[] = [];
  const inner = memory.repository('a/b');
  // Only calls from above count: the memory store's fetchReference calls its own resolve and fetch.
  let depth = 0;
  for (const name of ['fetch', 'resolve', 'fetchReference', 'exists'] as const) {
    const original = inner[name].bind(inner) as (...args: unknown[]) => Promise<unknown>;
    (inner as unknown as Record<string, unknown>)[name] = async (...args: unknown[]) => {
      if (depth === 0) calls.push(name);
      depth++;
      try {
        return await original(...args);
      } finally {
        depth--;
      }
    };
  }
  const cache = new ContentCache({ dir, maxBlobSize: 1024 });
  const provider = new CachingProvider(memory, cache, 'memory');
  return { memory, inner, calls, cache, provider, repo: provider.repository('a/b') };
}

async function seed(inner: ReturnType<MemoryStore['repository']>) {
  const layer = blob('descriptor layer');
  const config = blob('{}', MediaType.ImageConfig);
  await inner.push(layer.descriptor, layer.bytes);
  await inner.push(config.descriptor, config.bytes);
  const bytes = encodeManifest({
    schemaVersion: 2,
    mediaType: MediaType.ImageManifest,
    config: config.descriptor,
    layers: [layer.descriptor],
  });
  const manifest = blob(bytes, MediaType.ImageManifest);
  await inner.push(manifest.descriptor, manifest.bytes);
  await inner.tag(manifest.descriptor, 'prod');
  return { layer, manifest };
}

describe('caching store', () => {
  it('offers exactly the optional capabilities of the store below', () => {
    const { repo } = setup();
    assert.equal(canUntag(repo), true);
    assert.equal(canDelete(repo), true);
    assert.equal(canMount(repo), false, 'the memory store does not mount');
    assert.equal(canPushIfAbsent(repo), false);
    assert.equal(canPushReference(repo), false);
  });

  it('a tag: fetched once, then resolved and served from disk; small blobs from disk', async () => {
    const { inner, calls, repo } = setup();
    const { layer, manifest } = await seed(inner);
    const first = await repo.fetchReference('prod');
    assert.equal(first.descriptor.digest, manifest.descriptor.digest);
    assert.deepEqual(calls.splice(0), ['fetchReference'], 'no hint yet: one fetch by tag');
    const second = await repo.fetchReference('prod');
    assert.deepEqual(Buffer.from(await readAll(second.content, 1 << 20)), Buffer.from(manifest.bytes));
    assert.deepEqual(calls.splice(0), ['resolve'], 'hinted: the store below only resolves the tag');
    assert.deepEqual(Buffer.from(await fetchAll(repo, layer.descriptor)), Buffer.from(layer.bytes));
    await fetchAll(repo, layer.descriptor);
    assert.deepEqual(calls.splice(0), ['fetch'], 'the layer is fetched once, then read from disk');
  });

  it('a moved tag is followed: the new manifest is fetched by digest', async () => {
    const { inner, calls, repo } = setup();
    await seed(inner);
    await repo.fetchReference('prod');
    const other = blob(
      encodeManifest({
        schemaVersion: 2,
        mediaType: MediaType.ImageManifest,
        config: blob('{}', MediaType.ImageConfig).descriptor,
        layers: [],
        annotations: { moved: 'yes' },
      }),
      MediaType.ImageManifest,
    );
    await inner.push(other.descriptor, other.bytes);
    await inner.tag(other.descriptor, 'prod');
    calls.length = 0;
    const got = await repo.fetchReference('prod');
    assert.equal(got.descriptor.digest, other.descriptor.digest);
    assert.deepEqual(calls, ['resolve', 'fetch']);
  });

  it('a corrupt cached blob is not served: fetched again and replaced', async () => {
    const { inner, calls, repo, cache } = setup();
    const { layer } = await seed(inner);
    await fetchAll(repo, layer.descriptor);
    writeFileSync(cache.pathOf(layer.descriptor.digest), 'x'.repeat(layer.descriptor.size));
    calls.length = 0;
    assert.deepEqual(Buffer.from(await fetchAll(repo, layer.descriptor)), Buffer.from(layer.bytes));
    assert.deepEqual(calls, ['fetch']);
    assert.equal(cache.events.corrupt, 1);
    assert.deepEqual(Buffer.from((await cache.get(layer.descriptor.digest))!), Buffer.from(layer.bytes));
  });

  it('blobs above the limit and existence checks always go to the store below', async () => {
    const { inner, calls, repo } = setup();
    const big = blob('b'.repeat(4096));
    await inner.push(big.descriptor, big.bytes);
    await fetchAll(repo, big.descriptor);
    await fetchAll(repo, big.descriptor);
    assert.equal(await repo.exists(big.descriptor), true);
    assert.deepEqual(calls, ['fetch', 'fetch', 'exists']);
  });
});
