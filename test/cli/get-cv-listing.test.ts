/**
 * `ocm get cv REPO//COMP` and `listComponentVersionsAndAliases` list the tags once: one request per
 * page of tags plus one manifest per alias, counted on a real Distribution registry (the transport
 * hook for the library call, a counting proxy in front of the registry for the CLI).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { RequestEvent } from '../../src/registry/index.js';
import { OcmRepository } from '../../src/repository/index.js';
import { ocm } from '../support/cli.js';
import { COMPONENT as C, descriptor } from '../support/descriptors.js';
import { type FaultProxy, startFaultProxy } from '../support/fault-proxy.js';
import { sharedRegistry } from '../support/registry.js';
import { tempDir } from '../support/tmp.js';

const prefix = `list${process.pid}`;
const registry = sharedRegistry('anonymous');
let proxy: FaultProxy;
let dir: { path: string; remove: () => Promise<void> };

before(async () => {
  const reg = await registry.get();
  const store = reg.open();
  try {
    const repo = new OcmRepository(store, { prefix });
    for (const v of ['1.0.0', '1.1.0', '2.0.0-rc.1']) await repo.addComponentVersion(descriptor(v));
    await repo.addComponentVersionAlias(C, '1.0.0', 'prod');
    await repo.addComponentVersionAlias(C, '1.1.0', 'staging');
    await repo.addComponentVersionAlias(C, '1.1.0', 'qa');
  } finally {
    await store.close();
  }
  proxy = await startFaultProxy({ target: reg.host, rates: {} });
  dir = await tempDir();
});
after(async () => {
  await proxy?.close();
  await dir?.remove();
  await registry.stop();
});

describe('versions and aliases from one listing of the tags', () => {
  it('listComponentVersionsAndAliases: one tag page + one manifest per alias, same answers as the two listings', async () => {
    const events: RequestEvent[] = [];
    const store = (await registry.get()).open({ onRequest: (e) => events.push(e) });
    try {
      const repo = new OcmRepository(store, { prefix });
      const versions = await repo.listComponentVersions(C);
      const aliases = await repo.listComponentVersionAliases(C);
      events.length = 0;
      const both = await repo.listComponentVersionsAndAliases(C);
      assert.deepEqual(both.versions, versions);
      assert.deepEqual(both.aliases, aliases);
      assert.deepEqual(
        both.aliases.map((a) => `${a.alias}=${a.version}`),
        ['prod=1.0.0', 'qa=1.1.0', 'staging=1.1.0'],
      );
      const lines = events.map((e) => `${e.method} ${e.url}`);
      assert.equal(lines.filter((l) => l.includes('/tags/list')).length, 1, lines.join('\n'));
      assert.equal(lines.filter((l) => l.includes('/manifests/')).length, 3, lines.join('\n'));
      assert.equal(lines.length, 4, lines.join('\n'));
    } finally {
      await store.close();
    }
  });

  it('ocm get cv REPO//COMP lists the tags once', async () => {
    const r = await ocm(['get', 'cv', `${proxy.host}/${prefix}//${C}`, '-o', 'json'], { cwd: dir.path });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), [
      { component: C, version: '2.0.0-rc.1', aliases: [] },
      { component: C, version: '1.1.0', aliases: ['qa', 'staging'] },
      { component: C, version: '1.0.0', aliases: ['prod'] },
    ]);
    const tagLists = proxy.log.filter((l) => l.includes('/tags/list'));
    const manifests = proxy.log.filter((l) => l.includes('/manifests/'));
    assert.equal(tagLists.length, 1, proxy.log.join('\n'));
    assert.equal(manifests.length, 3, proxy.log.join('\n'));
  });
});
