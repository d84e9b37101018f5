/**
 * A directory CTF's transaction writes its blobs unsynced and syncs them with the index at the
 * commit: a blob file a crash left short (the data never reached the disk) is not taken as present,
 * but written again.
 */
import assert from 'node:assert/strict';
import { stat, truncate } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { blobFileName } from '../../src/ctf/blob-names.js';
import { CtfStore } from '../../src/ctf/store.js';
import { readAll } from '../../src/oci/content/read.js';
import { blob } from '../support/content.js';
import { tempDir } from '../support/tmp.js';

describe('CTF commit', () => {
  it('a blob file of the wrong size (a crash before its data was synced) is written again', async () => {
    const dir = await tempDir();
    try {
      const path = join(dir.path, 'ctf');
      const store = await CtfStore.open(path, { create: true });
      try {
        const b = blob('content that a crash lost\n', 'text/plain');
        await store.batch((p) => p.repository('r').push(b.descriptor, b.bytes));
        const file = join(path, 'blobs', blobFileName(b.descriptor.digest));
        await truncate(file, 0);
        await store.batch((p) => p.repository('r').push(b.descriptor, b.bytes));
        assert.equal((await stat(file)).size, b.bytes.byteLength);
        const got = await readAll(await store.repository('r').fetch(b.descriptor), b.bytes.byteLength);
        assert.deepEqual(Buffer.from(got), Buffer.from(b.bytes));
      } finally {
        await store.close();
      }
    } finally {
      await dir.remove();
    }
  });
});
