/**
 * The one OCI-layout tar reader (`src/repository/layout-tar.ts`), shared by OCI layouts as local
 * blobs and by ocm1 artifact sets when signing: the entry rules and both blob spellings.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import tar from 'tar-stream';
import { MemoryStore } from '../../src/oci/content/memory.js';
import { digestOf } from '../../src/oci/digest.js';
import { InvalidManifestError } from '../../src/oci/errors.js';
import { readLayoutTar } from '../../src/repository/layout-tar.js';
import { pushOciLayout } from '../../src/repository/oci-layout.js';
import { blob, imageIndex, manifest } from '../support/content.js';

type Entry = {
  name: string;
  type?: 'file' | 'directory' | 'symlink' | 'link';
  data?: string | Uint8Array;
  linkname?: string;
};

async function tarOf(entries: readonly Entry[]): Promise<Uint8Array> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  pack.on('data', (c: unknown) => {
    chunks.push(c as Buffer);
  });
  const ended = new Promise<void>((resolve) => pack.on('end', () => resolve()));
  for (const e of entries) {
    const data = e.data === undefined ? undefined : Buffer.from(e.data);
    await new Promise<void>((resolve, reject) =>
      pack.entry(
        {
          name: e.name,
          type: e.type ?? 'file',
          ...(e.linkname ? { linkname: e.linkname } : {}),
          ...(data ? { size: data.byteLength } : {}),
        },
        data ?? Buffer.alloc(0),
        (err) => (err ? reject(err) : resolve()),
      ),
    );
  }
  pack.finalize();
  await ended;
  return Buffer.concat(chunks);
}

const opts = { what: 'OCI layout', maxSize: 1 << 20 };

describe('readLayoutTar', () => {
  it('reads files, skips directories, drops ./, finds blobs by both spellings, gzip or not', async () => {
    const a = blob('a');
    const b = blob('b');
    const [ha, hb] = [a.descriptor.digest.slice(7), b.descriptor.digest.slice(7)];
    const bytes = await tarOf([
      { name: 'blobs', type: 'directory' },
      { name: './oci-layout', data: '{"imageLayoutVersion":"1.0.0"}' },
      { name: `blobs/sha256/${ha}`, data: a.bytes },
      { name: `blobs/sha256.${hb}`, data: b.bytes },
    ]);
    for (const input of [bytes, gzipSync(bytes)]) {
      const layout = await readLayoutTar(input, opts);
      assert.deepEqual(
        [...layout.files.keys()].sort(),
        [`blobs/sha256.${hb}`, `blobs/sha256/${ha}`, 'oci-layout'].sort(),
      );
      assert.deepEqual(Buffer.from(layout.blob(a.descriptor.digest)!), Buffer.from(a.bytes));
      assert.deepEqual(Buffer.from(layout.blob(b.descriptor.digest)!), Buffer.from(b.bytes));
      assert.equal(layout.blob(digestOf('absent')), undefined);
      assert.deepEqual(
        layout
          .blobEntries()
          .map((e) => e.digest)
          .sort(),
        [a.descriptor.digest, b.descriptor.digest].sort(),
      );
    }
  });

  for (const [label, entry] of [
    ['an absolute path', { name: '/etc/passwd', data: 'x' }],
    ['a .. path', { name: 'blobs/../../escape', data: 'x' }],
    ['a symbolic link', { name: 'blobs/sha256/x', type: 'symlink', linkname: '/etc/passwd' }],
    ['a hard link', { name: 'index.json', type: 'link', linkname: 'oci-layout' }],
  ] as const) {
    it(`refuses ${label} with InvalidManifestError`, async () => {
      const bytes = await tarOf([{ name: 'oci-layout', data: '{}' }, entry as Entry]);
      await assert.rejects(readLayoutTar(bytes, opts), (err: unknown) => {
        assert.ok(err instanceof InvalidManifestError, String(err));
        assert.match((err as Error).message, /^OCI layout: entry/);
        return true;
      });
    });
  }

  it('unreadable gzip and tar are InvalidManifestError; past maxSize is TooLargeError', async () => {
    await assert.rejects(
      readLayoutTar(Buffer.from([0x1f, 0x8b, 1, 2, 3]), opts),
      /OCI layout: not readable gzip/,
    );
    await assert.rejects(readLayoutTar(Buffer.alloc(1024, 7), opts), InvalidManifestError);
    await assert.rejects(readLayoutTar(Buffer.alloc(2048), { what: 'x', maxSize: 1024 }), {
      code: 'TOO_LARGE',
    });
  });

  it('pushOciLayout refuses a layout with a link where a blob belongs, and stores nothing', async () => {
    const layer = blob('layer');
    const m = manifest([layer]);
    const index = imageIndex([m]);
    const bytes = await tarOf([
      { name: 'oci-layout', data: '{"imageLayoutVersion":"1.0.0"}' },
      { name: 'index.json', data: index.bytes },
      { name: `blobs/sha256/${m.descriptor.digest.slice(7)}`, data: m.bytes },
      {
        name: `blobs/sha256/${layer.descriptor.digest.slice(7)}`,
        type: 'symlink',
        linkname: '/etc/hostname',
      },
    ]);
    const store = new MemoryStore().repository('r');
    await assert.rejects(pushOciLayout(store, bytes), InvalidManifestError);
    assert.equal(await store.exists(m.descriptor), false);
  });
});
