/**
 * The OCM repository on a real CNCF Distribution registry: the repository contract (anonymous and
 * token auth), request counts through the transport hook, and alias removal on Distribution 2.8.
 */
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { canFetchReference } from '../../src/oci/content/guards.js';
import { readAll } from '../../src/oci/content/read.js';
import { digestOf } from '../../src/oci/digest.js';
import type { RequestEvent } from '../../src/registry/index.js';
import { OcmRepository } from '../../src/repository/index.js';
import { componentRepository } from '../../src/repository/mapping.js';
import { repositoryContract } from '../contract/repository-contract.js';
import { COMPONENT as C, descriptor, resource } from '../support/descriptors.js';
import { sharedRegistry, skopeo, skopeoRaw } from '../support/registry.js';
import { tempDir } from '../support/tmp.js';

let counter = 0;
const prefix = () => `ocm${process.pid}x${++counter}`;

for (const variant of ['anonymous', 'token'] as const) {
  const registry = sharedRegistry(variant);
  after(() => registry.stop());
  repositoryContract(`registry (${variant})`, async () => {
    const store = (await registry.get()).open();
    return { provider: store, prefix: prefix(), close: () => store.close() };
  });
}

describe('OCM repository on the registry: request counts (after authentication)', () => {
  const registry = sharedRegistry('token');
  after(() => registry.stop());

  async function counted() {
    const events: RequestEvent[] = [];
    const store = (await registry.get()).open({ onRequest: (e) => events.push(e) });
    const repo = new OcmRepository(store, { prefix: prefix() });
    const count = async (fn: () => Promise<unknown>) => {
      const before = events.length;
      await fn();
      return events.slice(before).filter((e) => !e.url.includes('/token'));
    };
    return { store, repo, count, events };
  }

  it('get by version = 2, resolve alias = 1, get through alias = 2; listing = one per page of tags', async () => {
    const { store, repo, count } = await counted();
    try {
      const res = await repo.addLocalResource(C, resource('cfg'), {
        content: Buffer.from('x'),
        mediaType: 'text/plain',
      });
      for (let i = 0; i < 30; i++)
        await repo.addComponentVersion(descriptor(`1.0.${i}`, i === 0 ? { resources: [res] } : {}));
      await repo.addComponentVersionAlias(C, '1.0.7', 'prod');
      await repo.getComponentVersion(C, '1.0.0'); // warm the pull token
      assert.deepEqual(
        (await count(() => repo.getComponentVersion(C, '1.0.3'))).map((e) => e.method),
        ['GET', 'GET'],
      );
      assert.equal((await count(() => repo.resolveComponentVersion(C, 'prod'))).length, 1);
      const viaAlias = await count(() => repo.getComponentVersion(C, 'prod'));
      assert.equal(viaAlias.length, 2, viaAlias.map((e) => `${e.method} ${e.url}`).join('\n'));
      const listing = await count(() => repo.listComponentVersions(C));
      assert.equal(listing.length, 1, 'one page of tags');
      assert.match(listing[0]!.url, /tags\/list\?n=1000/);
      // Computed: the stored-alias lookup (404), the tag pages, the chosen version's manifest.
      const computed = await count(() => repo.resolveComponentVersion(C, 'stable'));
      assert.deepEqual(
        computed.map((e) => e.method),
        ['GET', 'GET', 'GET'],
        'computed stable: tag pages + 2',
      );
      assert.equal((await count(() => repo.getComponentVersion(C, 'latest'))).length, 1 + 3);
      // A local blob through an alias: the alias's manifest, the descriptor, the blob.
      await repo.addComponentVersionAlias(C, '1.0.0', 'first');
      let bytes: Uint8Array | undefined;
      const blob = await count(async () => {
        const got = await repo.getLocalResource(C, 'first', { name: 'cfg' });
        bytes = await readAll(got.content, 1024);
      });
      assert.equal(Buffer.from(bytes!).toString(), 'x');
      assert.ok(blob.length <= 3, blob.map((e) => `${e.method} ${e.url}`).join('\n'));
    } finally {
      await store.close();
    }
  });

  it('adding an alias <= 4 requests, removing <= 5 (Distribution 2.8: fallback), listing aliases = tag pages + one per alias', async () => {
    const { store, repo, count } = await counted();
    try {
      for (const v of ['1.0.0', '2.0.0']) await repo.addComponentVersion(descriptor(v));
      await repo.addComponentVersionAlias(C, '1.0.0', 'warm'); // warm push and pull tokens
      await repo.removeComponentVersionAlias(C, 'warm');
      const add = await count(() => repo.addComponentVersionAlias(C, '1.0.0', 'prod'));
      assert.ok(add.length <= 4, add.map((e) => `${e.method} ${e.url}`).join('\n'));
      const move = await count(() => repo.addComponentVersionAlias(C, '2.0.0', 'prod', { expect: '1.0.0' }));
      assert.ok(move.length <= 4, move.map((e) => `${e.method} ${e.url}`).join('\n'));
      await repo.addComponentVersionAlias(C, '2.0.0', 'dev');
      const list = await count(() => repo.listComponentVersionAliases(C));
      assert.equal(list.length, 1 + 2);
      const remove = await count(() => repo.removeComponentVersionAlias(C, 'prod'));
      assert.ok(remove.length <= 5, remove.map((e) => `${e.method} ${e.url}`).join('\n'));
    } finally {
      await store.close();
    }
  });
});

describe('OCM repository on Distribution 2.8', () => {
  const registry = sharedRegistry('anonymous');
  after(() => registry.stop());

  it('removing an alias leaves the version manifest and its other tags (checked with skopeo)', async () => {
    const reg = await registry.get();
    const store = reg.open();
    const p = prefix();
    const repo = new OcmRepository(store, { prefix: p });
    try {
      const v = await repo.addComponentVersion(descriptor('1.0.0'));
      await repo.addComponentVersionAlias(C, '1.0.0', 'prod');
      await repo.addComponentVersionAlias(C, '1.0.0', 'staging');
      await repo.removeComponentVersionAlias(C, 'prod');
      const image = `docker://${reg.host}/${componentRepository(C, p)}`;
      const tags = JSON.parse(await skopeo(['list-tags', '--tls-verify=false', image])).Tags.sort();
      assert.deepEqual(tags, ['1.0.0', 'staging']);
      const raw = await skopeo(['inspect', '--raw', '--tls-verify=false', `${image}:1.0.0`]);
      assert.match(raw, /software\.ocm\.componentversion/);
      assert.equal((await repo.resolveComponentVersion(C, 'staging')).digest, v.digest);
      assert.equal((await repo.getComponentVersion(C, '1.0.0')).resolution.digest, v.digest);
    } finally {
      await store.close();
    }
  });

  it('what we push, skopeo inspects byte for byte and copies to an OCI layout with every digest verified', async () => {
    const reg = await registry.get();
    const store = reg.open();
    const p = prefix();
    const repo = new OcmRepository(store, { prefix: p });
    const out = await tempDir();
    try {
      const res = await repo.addLocalResource(C, resource('cfg', { type: 'plainText' }), {
        content: Buffer.from('port: 1\n'),
        mediaType: 'application/yaml',
      });
      await repo.addComponentVersion(descriptor('1.0.0', { resources: [res] }));
      await repo.addComponentVersionAlias(C, '1.0.0', 'prod');
      const image = `docker://${reg.host}/${componentRepository(C, p)}`;
      const oci = repo.ociStore(C);
      assert.ok(canFetchReference(oci));
      const ours = await oci.fetchReference('prod');
      const bytes = Buffer.from(await readAll(ours.content, 1 << 20));
      const raw = await skopeoRaw(['inspect', '--raw', '--tls-verify=false', `${image}:prod`]);
      assert.ok(raw.equals(bytes), 'skopeo sees the exact manifest bytes we pushed');
      await skopeo([
        'copy',
        '--src-tls-verify=false',
        `${image}:prod`,
        `oci:${join(out.path, 'layout')}:prod`,
      ]);
      const index = JSON.parse(await readFile(join(out.path, 'layout/index.json'), 'utf8'));
      assert.equal(index.manifests[0].digest, ours.descriptor.digest);
      for (const name of await readdir(join(out.path, 'layout/blobs/sha256'))) {
        assert.equal(digestOf(await readFile(join(out.path, 'layout/blobs/sha256', name))), `sha256:${name}`);
      }
    } finally {
      await store.close();
      await out.remove();
    }
  });

  it('a stale expect fails and changes nothing', async () => {
    const store = (await registry.get()).open();
    const repo = new OcmRepository(store, { prefix: prefix() });
    try {
      for (const v of ['1.0.0', '2.0.0', '3.0.0']) await repo.addComponentVersion(descriptor(v));
      await repo.addComponentVersionAlias(C, '1.0.0', 'prod');
      await repo.addComponentVersionAlias(C, '2.0.0', 'prod', { expect: '1.0.0' });
      await assert.rejects(repo.addComponentVersionAlias(C, '3.0.0', 'prod', { expect: '1.0.0' }), {
        code: 'ALIAS_CONFLICT',
      });
      assert.equal((await repo.resolveComponentVersion(C, 'prod')).version, '2.0.0');
    } finally {
      await store.close();
    }
  });
});
