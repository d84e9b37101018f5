import { join } from 'node:path';
import { CtfStore } from '../../src/ctf/store.js';
import { historyContract } from '../contract/history-contract.js';
import { tempDir } from '../support/tmp.js';

for (const [label, file] of [
  ['CTF directory', 'transport-archive'],
  ['CTF tar', 'transport-archive.tar'],
  ['CTF tgz', 'transport-archive.tgz'],
] as const) {
  historyContract(label, async () => {
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
  });
}
