/**
 * Each byte of a pushed blob is hashed once: a source that verifies its own bytes (a CTF or registry
 * blob, or a pass-through of one) is not hashed again by the upload, in one streamed PUT or in PATCH
 * chunks, and through a transfer that reports progress. A source verified against another digest is
 * still checked by the upload, which fails typed before anything is committed.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { blobFileName } from '../../src/ctf/blob-names.js';
import { Digester, VerifyingStream } from '../../src/oci/digest.js';
import { DigestMismatchError } from '../../src/oci/errors.js';
import { openRepository } from '../../src/open.js';
import type { RegistryStore } from '../../src/registry/index.js';
import { transferComponentVersion } from '../../src/repository/transfer.js';
import { type Blob, randomBlob } from '../support/content.js';
import { descriptor, resource } from '../support/descriptors.js';
import { startRegistry, type TestRegistry } from '../support/registry.js';

/** Bytes passed to any `Digester` while `fn` runs (the hashing of every stream and upload). */
async function hashedDuring(fn: () => Promise<unknown>): Promise<number> {
  const update = Digester.prototype.update;
  let bytes = 0;
  Digester.prototype.update = function (this: Digester, chunk: Uint8Array) {
    bytes += chunk.byteLength;
    update.call(this, chunk);
  };
  try {
    await fn();
  } finally {
    Digester.prototype.update = update;
  }
  return bytes;
}

/** A stream of `b`'s bytes in 64 KiB pieces, checked against `as` (b's own descriptor by default). */
function verified(b: Blob, as = b.descriptor): Readable {
  const parts: Buffer[] = [];
  for (let i = 0; i < b.bytes.byteLength; i += 65536) parts.push(Buffer.from(b.bytes.subarray(i, i + 65536)));
  return Readable.from(parts, { objectMode: false }).pipe(new VerifyingStream(as));
}

describe('registry uploads hash each byte once', () => {
  let reg: TestRegistry;
  let streamed: RegistryStore;
  let chunked: RegistryStore;
  before(async () => {
    reg = await startRegistry('anonymous');
    streamed = reg.open({ monolithicMaxSize: 64 * 1024 });
    chunked = reg.open({ monolithicMaxSize: 64 * 1024, chunkSize: 256 * 1024 });
  });
  after(async () => {
    await streamed?.close();
    await chunked?.close();
    await reg?.close();
  });

  for (const [path, name, store] of [
    ['one streamed PUT', 'streamed', () => streamed],
    ['PATCH chunks', 'chunked', () => chunked],
  ] as const) {
    it(`${path}: a verified source is hashed once and lands`, async () => {
      const b = randomBlob(1024 * 1024 + 7);
      const repo = store().repository(`hash/once-${name}`);
      const hashed = await hashedDuring(() => repo.push(b.descriptor, verified(b)));
      assert.equal(hashed, b.descriptor.size, 'the source verifies; the upload does not hash again');
      assert.equal(await reg.open().repository(repo.name).exists(b.descriptor), true);
    });

    it(`${path}: a source verified against another digest is checked by the upload and not committed`, async () => {
      const b = randomBlob(512 * 1024);
      const other = randomBlob(512 * 1024);
      const repo = store().repository(`hash/other-${name}`);
      // The bytes are other's and pass other's check; only the upload's own check sees they are not b.
      await assert.rejects(repo.push(b.descriptor, verified(other)), DigestMismatchError);
      const fresh = reg.open();
      assert.equal(await fresh.repository(repo.name).exists(b.descriptor), false);
      assert.equal(await fresh.repository(repo.name).exists(other.descriptor), false);
      await fresh.close();
    });
  }

  /** A CTF holding one version of `component` whose resource is `b` (above the default 16 MiB held in memory). */
  async function ctfWith(dir: string, component: string, b: Blob) {
    const source = await openRepository(`ctf::${dir}`, { create: true });
    const r = await source.repository.addLocalResource(component, resource('payload'), {
      content: Buffer.from(b.bytes),
      mediaType: 'application/octet-stream',
    });
    await source.repository.addComponentVersion(descriptor('1.0.0', { name: component, resources: [r] }));
    return source;
  }

  it('a transfer from a CTF with progress hashes the large blob once on its way to the registry', async () => {
    const work = mkdtempSync(join(tmpdir(), 'ocm-hash-once-'));
    try {
      const b = randomBlob(17 * 1024 * 1024);
      const source = await ctfWith(join(work, 'ctf'), 'example.com/hash/once', b);
      const target = await openRepository(`${reg.host}/hash`);
      let reported = 0;
      const hashed = await hashedDuring(() =>
        transferComponentVersion(source.repository, target.repository, 'example.com/hash/once', '1.0.0', {
          onProgress: (e) => {
            reported = Math.max(reported, e.done);
          },
        }),
      );
      assert.equal(reported, b.descriptor.size, 'progress saw every byte');
      const fresh = reg.open();
      assert.equal(
        await fresh.repository('hash/component-descriptors/example.com/hash/once').exists(b.descriptor),
        true,
      );
      await fresh.close();
      // The large blob once (read from the CTF, verified), plus the few KiB of descriptor and manifests.
      assert.ok(hashed >= b.descriptor.size, `hashed ${hashed}`);
      assert.ok(hashed < b.descriptor.size + 64 * 1024, `hashed ${hashed}: the upload hashed the blob again`);
      await source.close();
      await target.close();
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });

  it('a CTF blob changed on disk fails the transfer typed, and the registry gets no blob', async () => {
    const work = mkdtempSync(join(tmpdir(), 'ocm-hash-tampered-'));
    try {
      const b = randomBlob(17 * 1024 * 1024);
      const source = await ctfWith(join(work, 'ctf'), 'example.com/hash/tampered', b);
      // Same size, one byte flipped near the end: only the digest tells.
      const file = join(work, 'ctf', 'blobs', blobFileName(b.descriptor.digest));
      const handle = await open(file, 'r+');
      await handle.write(
        Buffer.from([b.bytes[b.bytes.byteLength - 10]! ^ 0xff]),
        0,
        1,
        b.bytes.byteLength - 10,
      );
      await handle.close();
      const target = await openRepository(`${reg.host}/hash`);
      await assert.rejects(
        transferComponentVersion(source.repository, target.repository, 'example.com/hash/tampered', '1.0.0', {
          onProgress: () => undefined,
        }),
        DigestMismatchError,
      );
      const fresh = reg.open();
      assert.equal(
        await fresh.repository('hash/component-descriptors/example.com/hash/tampered').exists(b.descriptor),
        false,
      );
      await fresh.close();
      await source.close();
      await target.close();
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });
});
