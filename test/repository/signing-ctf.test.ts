/**
 * The signing suite on CTFs. Tampering: in a directory the blob file is overwritten in place and
 * verification names the resource; a `.tgz` is rebuilt with the altered blob, and the next read
 * refuses the whole archive because its blob no longer hashes to its name.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { extractArchive, writeArchive } from '../../src/ctf/archive.js';
import { blobFileName } from '../../src/ctf/blob-names.js';
import { InvalidArchiveError } from '../../src/ctf/errors.js';
import { CtfStore } from '../../src/ctf/store.js';
import { tempDir } from '../support/tmp.js';
import { signingSuite } from './signing-suite.js';

/** Same length, other bytes: only a digest check can notice. */
async function flipFirstByte(file: string): Promise<void> {
  const bytes = await readFile(file);
  await writeFile(file, Buffer.from(bytes.map((b, i) => (i === 0 ? b ^ 0x20 : b))));
}

for (const [label, file] of [
  ['CTF directory', 'transport-archive'],
  ['CTF tgz', 'transport-archive.tgz'],
] as const) {
  const tgz = file.endsWith('.tgz');
  signingSuite(
    label,
    async () => {
      const dir = await tempDir();
      const path = join(dir.path, file);
      const store = await CtfStore.open(path, { create: true });
      return {
        provider: store,
        prefix: '',
        tamper: async (digest) => {
          if (!tgz) {
            await flipFirstByte(join(path, 'blobs', blobFileName(digest)));
            return;
          }
          // Rebuild the archive with the altered blob, as someone editing the file on disk would.
          const work = await mkdtemp(join(tmpdir(), 'ocm-tamper-'));
          try {
            await extractArchive(path, 'tgz', work);
            await flipFirstByte(join(work, 'blobs', blobFileName(digest)));
            await writeArchive(work, await readFile(join(work, 'artifact-index.json')), 'tgz', path);
          } finally {
            await rm(work, { recursive: true, force: true });
          }
        },
        ...(tgz
          ? {
              tampered: (err: unknown, digest: string) =>
                err instanceof InvalidArchiveError &&
                err.path === path &&
                err.message.includes(blobFileName(digest)) &&
                err.message.includes('does not match its name'),
            }
          : {}),
        close: async () => {
          await store.close();
          await dir.remove();
        },
      };
    },
    { tamper: true },
  );
}
