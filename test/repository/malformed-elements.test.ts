/**
 * A library call with a malformed element, identity or blob descriptor fails with a typed error that
 * names where the problem is, never with a `TypeError` from deep inside.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InvalidDescriptorError } from '../../src/descriptor/index.js';
import type { OcmError } from '../../src/errors.js';
import { MemoryStore } from '../../src/oci/content/memory.js';
import { InvalidManifestError } from '../../src/oci/errors.js';
import { InvalidComponentVersionError, OcmRepository } from '../../src/repository/index.js';
import { OciLayoutMediaType } from '../../src/repository/oci-layout.js';
import { COMPONENT as C, descriptor, resource } from '../support/descriptors.js';

/** Rejects with `type`, an OcmError (never a TypeError), whose message contains `path`. */
async function refused(pending: Promise<unknown>, type: new (...args: never[]) => OcmError, path: string) {
  await assert.rejects(pending, (err: unknown) => {
    assert.ok(!(err instanceof TypeError), `TypeError: ${String(err)}`);
    assert.ok(err instanceof type, `expected ${type.name}, got ${String(err)}`);
    assert.ok((err as Error).message.includes(path), `${(err as Error).message} should name ${path}`);
    return true;
  });
}

const repo = () => new OcmRepository(new MemoryStore());
const digest = `sha256:${'a'.repeat(64)}`;

describe('malformed elements are typed errors naming the path', () => {
  it('addComponentVersion: a resource without access, with access null, a label that is no mapping', async () => {
    const r = repo();
    const { access: _, ...noAccess } = resource('cfg');
    const cases: [unknown, string][] = [
      [noAccess, 'component.resources[0].access'],
      [{ ...resource('cfg'), access: null }, 'component.resources[0].access'],
      [{ ...resource('cfg'), labels: ['not a label'] }, 'component.resources[0].labels[0]'],
      [{ ...resource('cfg'), labels: [null] }, 'component.resources[0].labels[0]'],
      [null, 'component.resources[0]'],
    ];
    for (const [element, path] of cases) {
      await refused(
        r.addComponentVersion(descriptor('1.0.0', { resources: [element as never] })),
        InvalidDescriptorError,
        path,
      );
    }
    assert.deepEqual(await r.listComponentVersions(C), [], 'nothing was written');
  });

  it('addComponentVersion: a localBlob access without a digest string names the element', async () => {
    const r = repo();
    for (const access of [{ type: 'localBlob' }, { type: 'localBlob', localReference: 5 }]) {
      await refused(
        r.addComponentVersion(
          descriptor('1.0.0', { resources: [resource('ok'), resource('cfg', { access })] }),
        ),
        InvalidComponentVersionError,
        'component.resources[1].access.localReference',
      );
    }
  });

  it('addLocalResource: an element that is no mapping is refused; a missing or null access is replaced', async () => {
    const r = repo();
    for (const mediaType of ['text/plain', OciLayoutMediaType.Tar]) {
      await refused(
        r.addLocalResource(C, null as never, { content: Buffer.from('x'), mediaType }),
        InvalidComponentVersionError,
        'must be a mapping',
      );
    }
    const { access: _, ...noAccess } = resource('cfg');
    for (const element of [noAccess, { ...resource('cfg'), access: null }]) {
      const stored = await r.addLocalResource(C, element as never, {
        content: Buffer.from('x'),
        mediaType: 'text/plain',
      });
      assert.equal(stored.access.type, 'localBlob');
    }
  });

  it('getLocalResource: an identity that is no mapping of strings', async () => {
    const r = repo();
    const stored = await r.addLocalResource(C, resource('cfg'), {
      content: Buffer.from('x'),
      mediaType: 'text/plain',
    });
    await r.addComponentVersion(descriptor('1.0.0', { resources: [stored] }));
    for (const identity of [null, 'cfg', { name: 5 }]) {
      await refused(
        r.getLocalResource(C, '1.0.0', identity as never),
        InvalidComponentVersionError,
        'identity',
      );
    }
    assert.equal((await r.getLocalResource(C, '1.0.0', { name: 'cfg' })).element.name, 'cfg');
  });

  it('addComponentVersion: a malformed descriptor in options.blobs', async () => {
    const r = repo();
    for (const d of [null, { digest, size: 1 }, { mediaType: 'text/plain', digest: 'x', size: 1 }]) {
      await refused(
        r.addComponentVersion(descriptor('1.0.0'), { blobs: [d as never] }),
        InvalidManifestError,
        'options.blobs[0]',
      );
    }
  });
});
