/**
 * Alias removal on a registry that deletes tags: the real Distribution registry behind
 * `test/support/tag-delete-proxy.ts`, which answers `DELETE /v2/<name>/manifests/<tag>` with 202.
 * `untag` takes the DELETE path: one DELETE on the tag, no throw-away manifest PUT from the client;
 * the version and the other aliases stay, as read straight from the registry.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { NotFoundError } from '../../src/errors.js';
import type { RegistryStore, RequestEvent } from '../../src/registry/index.js';
import { OcmRepository } from '../../src/repository/index.js';
import { componentRepository } from '../../src/repository/mapping.js';
import { collect } from '../support/content.js';
import { COMPONENT as C, descriptor } from '../support/descriptors.js';
import { startRegistry, type TestRegistry } from '../support/registry.js';
import { startTagDeleteProxy, type TagDeleteProxy } from '../support/tag-delete-proxy.js';

describe('alias removal on a registry that deletes tags', () => {
  let reg: TestRegistry;
  let proxy: TagDeleteProxy;
  let viaProxy: RegistryStore;
  let direct: RegistryStore;
  const events: RequestEvent[] = [];
  before(async () => {
    reg = await startRegistry('anonymous');
    proxy = await startTagDeleteProxy({ target: reg.host });
    viaProxy = reg.open({ host: proxy.host, onRequest: (e) => events.push(e) });
    direct = reg.open();
  });
  after(async () => {
    await viaProxy?.close();
    await direct?.close();
    await proxy?.close();
    await reg?.close();
  });

  it('the proxy really deletes a tag, and only the tag (checked against the registry itself)', async () => {
    const repo = new OcmRepository(direct, { prefix: 'check' });
    const { digest } = await repo.addComponentVersion(descriptor('1.0.0'));
    await repo.addComponentVersionAlias(C, '1.0.0', 'gone');
    const name = `check/${componentRepository(C)}`;
    const raw = viaProxy.repository(name);
    await raw.untag('gone');
    assert.equal(proxy.tagDeletes, 1);
    assert.deepEqual(await collect(direct.repository(name).tags()), ['1.0.0']);
    assert.equal((await direct.repository(name).resolve('1.0.0')).digest, digest);
    await assert.rejects(raw.untag('never-there'), NotFoundError);
    assert.equal(proxy.tagDeletes, 1, 'a missing tag is a 404, nothing deleted');
  });

  it('untag takes the DELETE path: no throw-away PUT from the client; the version and other aliases stay', async () => {
    const repo = new OcmRepository(viaProxy, { prefix: 'ocm' });
    const one = await repo.addComponentVersion(descriptor('1.0.0'));
    await repo.addComponentVersion(descriptor('2.0.0'));
    for (const alias of ['prod', 'staging', 'dev']) await repo.addComponentVersionAlias(C, '1.0.0', alias);
    const deletesBefore = proxy.tagDeletes;
    events.length = 0;
    const logBefore = proxy.log.length;
    const change = await repo.removeComponentVersionAlias(C, 'prod');
    assert.equal(change.alias, 'prod');
    const sent = proxy.log.slice(logBefore);
    const name = `ocm/${componentRepository(C)}`;
    assert.ok(sent.includes(`DELETE /v2/${name}/manifests/prod`), sent.join('\n'));
    assert.deepEqual(
      sent.filter((l) => l.startsWith('PUT ')),
      [],
      `no throw-away manifest from the client:\n${sent.join('\n')}`,
    );
    assert.deepEqual(
      sent.filter((l) => l.startsWith('DELETE ')),
      [`DELETE /v2/${name}/manifests/prod`],
      'one DELETE, on the tag, never on a digest',
    );
    assert.equal(events.length, sent.length, 'the client saw the same requests');
    assert.equal(proxy.tagDeletes - deletesBefore, 1);

    // Read back without the proxy.
    const check = new OcmRepository(direct, { prefix: 'ocm' });
    assert.deepEqual((await collect(direct.repository(name).tags())).sort(), [
      '1.0.0',
      '2.0.0',
      'dev',
      'staging',
    ]);
    const version = await check.getComponentVersion(C, '1.0.0');
    assert.equal(version.resolution.digest, one.digest, 'the version manifest is untouched');
    assert.deepEqual(
      (await check.listComponentVersionAliases(C)).map((a) => [a.alias, a.version, a.digest]),
      [
        ['dev', '1.0.0', one.digest],
        ['staging', '1.0.0', one.digest],
      ],
    );
    await assert.rejects(check.resolveComponentVersion(C, 'prod'), NotFoundError);

    // The store did not learn a refusal: the next removal is one DELETE again.
    const logAgain = proxy.log.length;
    await repo.removeComponentVersionAlias(C, 'staging');
    assert.deepEqual(
      proxy.log.slice(logAgain).filter((l) => !l.startsWith('GET ') && !l.startsWith('HEAD ')),
      [`DELETE /v2/${name}/manifests/staging`],
    );
    assert.deepEqual((await collect(direct.repository(name).tags())).sort(), ['1.0.0', '2.0.0', 'dev']);
  });
});
