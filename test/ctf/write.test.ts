/** What we write: strict Go-readable indexes, archive layout, gc. */
import assert from 'node:assert/strict';
import { createReadStream } from 'node:fs';
import { readdir, readFile, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { describe, it } from 'node:test';
import { createGunzip } from 'node:zlib';
import tar from 'tar-stream';
import { ArtifactIndex } from '../../src/ctf/artifact-index.js';
import { CtfStore } from '../../src/ctf/store.js';
import { blob, collect, manifest } from '../support/content.js';
import { tempDir } from '../support/tmp.js';

async function archiveEntries(
  path: string,
): Promise<{ name: string; type: string; mode: number; body: Buffer }[]> {
  const out: { name: string; type: string; mode: number; body: Buffer }[] = [];
  const extract = tar.extract();
  const done = (async () => {
    for await (const entry of extract) {
      const chunks: Buffer[] = [];
      for await (const c of entry) chunks.push(c as Buffer);
      out.push({
        name: entry.header.name,
        type: entry.header.type ?? 'file',
        mode: entry.header.mode ?? 0,
        body: Buffer.concat(chunks),
      });
    }
  })();
  const src = createReadStream(path);
  await (path.endsWith('.tgz') ? pipeline(src, createGunzip(), extract) : pipeline(src, extract));
  await done;
  return out;
}

async function populate(store: CtfStore) {
  const config = blob('{}', 'application/vnd.oci.empty.v1+json');
  const layer = blob('content');
  const [m1, m2] = [manifest([layer], config, 'one'), manifest([layer], config, 'two')];
  await store.batch(async (tx) => {
    for (const name of ['component-descriptors/example.com/a', 'component-descriptors/example.com/b']) {
      const repo = tx.repository(name);
      for (const b of [config, layer, m1, m2]) await repo.push(b.descriptor, b.bytes);
      await repo.tag(m1.descriptor, '1.0.0');
      await repo.tag(m2.descriptor, '1.1.0');
      await repo.tag(m2.descriptor, 'latest');
    }
  });
  return { config, layer, m1, m2 };
}

describe('CTF writing', () => {
  for (const file of ['ctf', 'ctf.tar', 'ctf.tgz']) {
    it(`${file}: the index re-reads under the strict Go v2 rules and equals what we wrote`, async () => {
      const dir = await tempDir();
      try {
        const path = join(dir.path, file);
        const store = await CtfStore.open(path, { create: true });
        await populate(store);
        const written = (await store.ctf.view()).index;
        await store.close();
        let raw: Buffer;
        let entries: Awaited<ReturnType<typeof archiveEntries>> = [];
        if (file === 'ctf') raw = await readFile(join(path, 'artifact-index.json'));
        else {
          entries = await archiveEntries(path);
          raw = entries[0]!.body;
          assert.equal(entries[0]!.name, 'artifact-index.json', 'index is the first entry');
          const names = entries.slice(1).map((e) => e.name);
          assert.deepEqual(names, [...names].sort(), 'blobs in sorted order');
          assert.ok(
            names.every((n) => /^blobs\/sha256\.[a-f0-9]{64}$/.test(n)),
            'only blob files, no directory entries',
          );
          assert.ok(entries.every((e) => e.type === 'file' && e.mode === 0o644));
        }
        const strict = ArtifactIndex.parse(raw, { strict: true });
        assert.deepEqual(strict.entries, written.entries);
        for (const e of JSON.parse(raw.toString()).artifacts) {
          assert.deepEqual(Object.keys(e).sort(), ['digest', 'mediaType', 'repository', 'tag']);
        }
        const again = await CtfStore.open(path, { mode: 'readonly' });
        try {
          assert.deepEqual(await collect(again.repository('component-descriptors/example.com/b').tags()), [
            '1.0.0',
            '1.1.0',
            'latest',
          ]);
        } finally {
          await again.close();
        }
      } finally {
        await dir.remove();
      }
    });
  }

  it('rebuilding an archive twice gives the same bytes (stable order, fixed metadata)', async () => {
    const dir = await tempDir();
    try {
      const a = await CtfStore.open(join(dir.path, 'a.tgz'), { create: true });
      const b = await CtfStore.open(join(dir.path, 'b.tgz'), { create: true });
      await populate(a);
      await populate(b);
      await a.close();
      await b.close();
      assert.deepEqual(await readFile(join(dir.path, 'a.tgz')), await readFile(join(dir.path, 'b.tgz')));
    } finally {
      await dir.remove();
    }
  });

  for (const file of ['ctf', 'ctf.tgz']) {
    it(`${file}: gc drops unreachable untagged entries and blobs, keeps everything tagged`, async () => {
      const dir = await tempDir();
      try {
        const path = join(dir.path, file);
        const store = await CtfStore.open(path, { create: true });
        const { m1, m2, layer, config } = await populate(store);
        const repo = store.repository('component-descriptors/example.com/a');
        const orphanLayer = blob('orphan layer');
        const orphan = manifest([orphanLayer], config, 'orphan');
        await store.batch(async (tx) => {
          const r = tx.repository('component-descriptors/example.com/a');
          await r.push(orphanLayer.descriptor, orphanLayer.bytes);
          await r.push(orphan.descriptor, orphan.bytes);
          await r.untag('1.0.0'); // m1 is now untagged in repo a, still tagged in repo b
        });
        if (file === 'ctf') {
          await writeFile(join(path, '.ocm-tmp-blob.dead'), 'left by a killed writer');
          const old = new Date(Date.now() - 3_600_000);
          await utimes(join(path, '.ocm-tmp-blob.dead'), old, old);
        }
        const dry = await store.gc({ dryRun: true, graceMs: 0 });
        assert.deepEqual(
          dry.entries.map((e) => e.digest).sort(),
          [m1.descriptor.digest, orphan.descriptor.digest].sort(),
        );
        assert.deepEqual(
          dry.blobs.map((b) => b.digest).sort(),
          [orphan.descriptor.digest, orphanLayer.descriptor.digest].sort(),
        );
        assert.equal(dry.tempFiles, file === 'ctf' ? 1 : 0);
        assert.ok(await repo.exists(orphan.descriptor), 'dry run deletes nothing');
        const report = await store.gc({ graceMs: 0 });
        assert.deepEqual(report.blobs, dry.blobs);
        assert.equal(await repo.exists(orphan.descriptor), false);
        assert.equal(await repo.exists(orphanLayer.descriptor), false);
        for (const b of [m1, m2, layer, config])
          assert.ok(await repo.exists(b.descriptor), 'reachable content stays');
        assert.equal(
          (await store.resolve(`component-descriptors/example.com/b:1.0.0`)).digest,
          m1.descriptor.digest,
        );
        assert.equal((await repo.resolve('latest')).digest, m2.descriptor.digest);
        if (file === 'ctf') assert.deepEqual((await readdir(path)).sort(), ['artifact-index.json', 'blobs']);
        const second = await store.gc({ graceMs: 0 });
        assert.equal(second.blobs.length + second.entries.length, 0, 'gc is idempotent');
        await store.close();
      } finally {
        await dir.remove();
      }
    });
  }

  it('gc spares blobs younger than the grace period (a concurrent push may name them next)', async () => {
    const dir = await tempDir();
    try {
      const store = await CtfStore.open(join(dir.path, 'ctf'), { create: true });
      const fresh = blob('just pushed');
      await store.repository('x/y').push(fresh.descriptor, fresh.bytes);
      const report = await store.gc();
      assert.equal(report.blobs.length, 0);
      assert.ok(await store.repository('x/y').exists(fresh.descriptor));
      await store.close();
    } finally {
      await dir.remove();
    }
  });
});
