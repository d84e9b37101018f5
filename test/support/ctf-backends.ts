import { join } from 'node:path';
import { CtfStore } from '../../src/ctf/store.js';
import type { StoreProvider } from '../../src/oci/content/storage.js';
import { tempDir } from './tmp.js';

/** The three CTF forms a contract suite runs on, by label and file name. */
export const ctfForms = [
  ['CTF directory', 'transport-archive'],
  ['CTF tar', 'transport-archive.tar'],
  ['CTF tgz', 'transport-archive.tgz'],
] as const;

/** A fresh, empty CTF of the form `file` names, in its own temporary directory, removed on close. */
export async function freshCtf(
  file: string,
): Promise<{ provider: StoreProvider; prefix: string; close: () => Promise<void> }> {
  const dir = await tempDir();
  const store = await CtfStore.open(join(dir.path, file), { create: true });
  return {
    provider: store,
    prefix: '',
    close: async () => {
      await store.close();
      await dir.remove();
    },
  };
}
