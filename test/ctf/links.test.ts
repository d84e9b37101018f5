/**
 * A directory CTF holds no symbolic links, as archives hold none: a linked `blobs/` folder, blob,
 * index or lock file is refused with `InvalidArchiveError`, and nothing is read or written outside.
 */
import assert from 'node:assert/strict';
import { mkdir, readdir, rename, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { blobFileName } from '../../src/ctf/blob-names.js';
import { openRepository } from '../../src/open.js';
import { ocm } from '../support/cli.js';
import { COMPONENT, descriptor, resource } from '../support/descriptors.js';
import { tempDir } from '../support/tmp.js';

const refused = (name: string) => (err: unknown) => {
  const e = err as { code?: string; message?: string; hint?: string };
  assert.equal(e.code, 'INVALID_ARCHIVE', e.message);
  assert.match(e.message ?? '', new RegExp(`${name.replace(/[.]/g, '\\.')}:? is a symbolic link`));
  assert.ok(e.hint);
  return true;
};

describe('a directory CTF refuses symbolic links', () => {
  let dir: { path: string; remove: () => Promise<void> };
  let ctf: string;
  let outside: string;
  let manifest: string;
  beforeEach(async () => {
    dir = await tempDir();
    ctf = join(dir.path, 'ctf');
    outside = join(dir.path, 'outside');
    await mkdir(outside);
    const opened = await openRepository(ctf, { create: true });
    try {
      manifest = (await opened.repository.addComponentVersion(descriptor('1.0.0'))).digest;
    } finally {
      await opened.close();
    }
  });
  afterEach(() => dir.remove());

  it('a blobs folder linked to a folder outside: writes and reads are refused, nothing lands outside', async () => {
    await rename(join(ctf, 'blobs'), join(dir.path, 'moved-blobs'));
    await symlink(outside, join(ctf, 'blobs'));
    const opened = await openRepository(ctf);
    try {
      const blob = { content: Buffer.from('a local blob\n'), mediaType: 'text/plain' };
      await assert.rejects(
        opened.repository.addLocalResource(COMPONENT, resource('r'), blob),
        refused('blobs'),
      );
      await assert.rejects(opened.repository.addComponentVersion(descriptor('2.0.0')), refused('blobs'));
      await assert.rejects(opened.repository.listComponentVersions(COMPONENT), refused('blobs'));
    } finally {
      await opened.close();
    }
    const gc = await ocm(['gc', './ctf'], { cwd: dir.path });
    assert.equal(gc.code, 1, gc.stderr);
    assert.match(gc.stderr, /blobs is a symbolic link/);
    assert.deepEqual(await readdir(outside), [], 'nothing written outside');
  });

  it('a blob linked to a file outside is neither read nor taken as present', async () => {
    const name = blobFileName(manifest);
    await rename(join(ctf, 'blobs', name), join(outside, name));
    await symlink(join(outside, name), join(ctf, 'blobs', name));
    const opened = await openRepository(ctf);
    try {
      await assert.rejects(
        opened.repository.getComponentVersion(COMPONENT, '1.0.0'),
        refused(`blobs/${name}`),
      );
      // Storing the same version again would find the "present" blob through the link.
      await assert.rejects(
        opened.repository.addComponentVersion(descriptor('1.0.0'), { conflict: 'replace' }),
        refused(`blobs/${name}`),
      );
    } finally {
      await opened.close();
    }
  });

  it('a linked index is refused', async () => {
    await rename(join(ctf, 'artifact-index.json'), join(outside, 'index.json'));
    await symlink(join(outside, 'index.json'), join(ctf, 'artifact-index.json'));
    const opened = await openRepository(ctf);
    try {
      await assert.rejects(
        opened.repository.listComponentVersions(COMPONENT),
        refused('artifact-index.json'),
      );
      await assert.rejects(
        opened.repository.addComponentVersion(descriptor('2.0.0')),
        refused('artifact-index.json'),
      );
    } finally {
      await opened.close();
    }
    assert.deepEqual(await readdir(outside), ['index.json']);
  });

  it('a linked lock file is refused, not broken as stale', async () => {
    await writeFile(join(outside, 'elsewhere'), 'not a lock\n');
    await symlink(join(outside, 'elsewhere'), `${ctf}.lock`);
    const opened = await openRepository(ctf, { lockTimeoutMs: 10_000 });
    try {
      await assert.rejects(opened.repository.addComponentVersion(descriptor('2.0.0')), refused('ctf.lock'));
    } finally {
      await opened.close();
    }
    assert.deepEqual(await readdir(outside), ['elsewhere']);
  });
});
