/**
 * Uploads and their requests: one streamed PUT for a large stream (verified, nothing committed when
 * the bytes are wrong), pushIfAbsent (a mount that answers presence and opens the session), mounts
 * from another repository where this client saw the blob, and the POST ?digest= probe learned once.
 */
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { readAll } from '../../src/oci/content/read.js';
import { DigestMismatchError, SizeMismatchError } from '../../src/oci/errors.js';
import type { RegistryStore, RequestEvent } from '../../src/registry/index.js';
import { blob, randomBlob } from '../support/content.js';
import { startRegistry, type TestRegistry } from '../support/registry.js';

function chunksOf(bytes: Uint8Array, size: number): Readable {
  const parts: Buffer[] = [];
  for (let i = 0; i < bytes.byteLength; i += size) parts.push(Buffer.from(bytes.subarray(i, i + size)));
  return Readable.from(parts, { objectMode: false });
}

describe('registry uploads: requests per blob', () => {
  let reg: TestRegistry;
  let store: RegistryStore;
  const events: RequestEvent[] = [];
  /** `METHOD last/two` of each request since the last call, `?mount` marking a mount. */
  const seen = () =>
    events.splice(0).map((e) => {
      const url = new URL(e.url);
      const tail = url.pathname.split('/').slice(-2).join('/');
      return `${e.method} ${tail}${url.searchParams.has('mount') ? '?mount' : ''}`;
    });
  before(async () => {
    reg = await startRegistry('anonymous');
    // Small monolithic limit so a 1 MiB stream takes the streamed path; no chunkSize: streamed PUT.
    store = reg.open({ monolithicMaxSize: 64 * 1024, onRequest: (e) => events.push(e) });
  });
  after(async () => {
    await store?.close();
    await reg?.close();
  });

  it('a large stream goes up in one streamed PUT and reads back verified', async () => {
    const b = randomBlob(1024 * 1024 + 3);
    const repo = store.repository('up/streamed');
    events.length = 0;
    await repo.push(b.descriptor, chunksOf(b.bytes, 10_000));
    assert.deepEqual(
      events.map((e) => e.method),
      ['HEAD', 'POST', 'PUT'],
    );
    const back = await readAll(await repo.fetch(b.descriptor), b.descriptor.size);
    assert.ok(Buffer.from(back).equals(Buffer.from(b.bytes)));
  });

  it('a streamed PUT with the wrong digest or size fails typed and commits nothing', async () => {
    const b = randomBlob(512 * 1024);
    const repo = store.repository('up/liar');
    const other = randomBlob(512 * 1024);
    await assert.rejects(
      repo.push({ ...b.descriptor, digest: other.descriptor.digest }, chunksOf(b.bytes, 50_000)),
      (err: unknown) => err instanceof DigestMismatchError || (err as { status?: number }).status === 400,
    );
    assert.equal(await reg.open().repository('up/liar').exists(other.descriptor), false);
    await assert.rejects(
      repo.push({ ...b.descriptor, size: b.descriptor.size + 10 }, chunksOf(b.bytes, 50_000)),
      SizeMismatchError,
    );
    await assert.rejects(
      repo.push({ ...b.descriptor, size: b.descriptor.size - 10 }, chunksOf(b.bytes, 50_000)),
      SizeMismatchError,
    );
    const fresh = reg.open();
    assert.equal(await fresh.repository('up/liar').exists(b.descriptor), false, 'nothing was committed');
    await fresh.close();
  });

  it('pushIfAbsent: a present blob costs one request and is never read; an absent one two', async () => {
    const b = blob('pushIfAbsent content');
    const writer = reg.open();
    await writer.repository('up/ifabsent').push(b.descriptor, b.bytes);
    await writer.close();
    const repo = store.repository('up/ifabsent');
    events.length = 0;
    let opened = 0;
    const open = async () => {
      opened++;
      return b.bytes;
    };
    assert.equal(await repo.pushIfAbsent(b.descriptor, open), false);
    assert.deepEqual(seen(), ['POST uploads/?mount']);
    assert.equal(opened, 0, 'the content of a present blob is not opened');
    const c = blob('pushIfAbsent new content');
    assert.equal(await repo.pushIfAbsent(c.descriptor, async () => c.bytes), true);
    const methods = seen();
    assert.equal(methods.length, 2, methods.join(', '));
    assert.deepEqual(
      methods.map((m) => m.split(' ')[0]),
      ['POST', 'PUT'],
    );
    assert.equal(await repo.pushIfAbsent(c.descriptor, open), false);
    assert.deepEqual(seen(), [], 'what this client stored is known present');
  });

  it('mounts a blob from another repository of the registry where this client saw it', async () => {
    const b = blob('shared between components');
    const own = reg.open({ onRequest: (e) => events.push(e) });
    try {
      await own.repository('up/first').push(b.descriptor, b.bytes);
      events.length = 0;
      assert.equal(await own.repository('up/second').pushIfAbsent(b.descriptor, async () => b.bytes), false);
      const got = events.splice(0);
      assert.equal(got.length, 1);
      assert.match(got[0]!.url, /\/v2\/up\/second\/blobs\/uploads\/\?mount=.*&from=up%2Ffirst/);
      assert.equal(await reg.open().repository('up/second').exists(b.descriptor), true);
    } finally {
      await own.close();
    }
  });

  it('asks once whether the registry takes a blob in one POST; Distribution does not, so later blobs skip the try', async () => {
    const mine: RequestEvent[] = [];
    const fresh = reg.open({ onRequest: (e) => mine.push(e) });
    const shape = () =>
      mine.splice(0).map((e) => {
        const url = new URL(e.url);
        return `${e.method}${e.method === 'POST' && url.searchParams.has('digest') ? ' with digest' : ''}`;
      });
    try {
      const repo = fresh.repository('up/probe');
      const a = blob('probe one');
      await repo.push(a.descriptor, a.bytes);
      // Distribution 2.x answers the POST with 202 and a session: the bytes go in the PUT.
      assert.deepEqual(shape(), ['HEAD', 'POST with digest', 'PUT']);
      const b = blob('probe two');
      await repo.push(b.descriptor, b.bytes);
      assert.deepEqual(shape(), ['HEAD', 'POST', 'PUT'], 'no second try');
      assert.equal(await reg.open().repository('up/probe').exists(a.descriptor), true);
    } finally {
      await fresh.close();
    }
  });
});
