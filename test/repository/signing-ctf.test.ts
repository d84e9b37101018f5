import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { blobFileName } from '../../src/ctf/blob-names.js';
import { CtfStore } from '../../src/ctf/store.js';
import { tempDir } from '../support/tmp.js';
import { signingSuite } from './signing-suite.js';

for (const [label, file] of [
  ['CTF directory', 'transport-archive'],
  ['CTF tgz', 'transport-archive.tgz'],
] as const) {
  signingSuite(
    label,
    async () => {
      const dir = await tempDir();
      const path = join(dir.path, file);
      const store = await CtfStore.open(path, { create: true });
      return {
        provider: store,
        prefix: '',
        // Same length, other bytes: only the digest check can notice.
        tamper: async (digest) => {
          const blobPath = join(path, 'blobs', blobFileName(digest));
          const bytes = await readFile(blobPath);
          await writeFile(blobPath, Buffer.from(bytes.map((b, i) => (i === 0 ? b ^ 0x20 : b))));
        },
        close: async () => {
          await store.close();
          await dir.remove();
        },
      };
    },
    { tamper: file === 'transport-archive' },
  );
}
