/**
 * Regression found by the reliability fuzzing (test/reliability/archives.test.ts): a gzip-compressed
 * OCI layout that is truncated or corrupt made `pushOciLayout` (and so `addLocalResource` of an OCI
 * layout) throw zlib's untyped `Error` (Z_BUF_ERROR, Z_DATA_ERROR) instead of a typed error.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { CtfStore } from '../../src/ctf/store.js';
import { InvalidManifestError } from '../../src/oci/errors.js';
import { pushOciLayout } from '../../src/repository/oci-layout.js';
import { tempDir } from '../support/tmp.js';

describe('pushOciLayout on broken gzip', () => {
  it('truncated and corrupt gzip are InvalidManifestError, and nothing is stored', async () => {
    const dir = await tempDir();
    const store = await CtfStore.open(join(dir.path, 'ctf'), { create: true });
    try {
      const repo = store.repository('reg/layout');
      const gz = gzipSync(Buffer.alloc(4096, 7));
      const corrupt = Buffer.from(gz);
      corrupt[2] = 99; // compression method
      for (const bytes of [gz.subarray(0, 12), corrupt, Buffer.from([0x1f, 0x8b])]) {
        await assert.rejects(pushOciLayout(repo, bytes), (err: unknown) => {
          assert.ok(err instanceof InvalidManifestError, `typed, not ${String(err)}`);
          assert.match(err.message, /OCI layout: not readable gzip/);
          return true;
        });
      }
      assert.deepEqual(store.ctf.view ? (await store.ctf.view()).index.entries : [], []);
    } finally {
      await store.close();
      await dir.remove();
    }
  });
});
