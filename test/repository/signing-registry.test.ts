/**
 * The signing suite on a real CNCF Distribution registry (anonymous variant): each test writes under
 * its own repository prefix; tampering overwrites the blob file in the registry's storage, which the
 * registry serves unchecked and our client verifies while reading.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe } from 'node:test';
import type { RegistryStore } from '../../src/registry/index.js';
import { startRegistry, type TestRegistry } from '../support/registry.js';
import { signingSuite } from './signing-suite.js';

describe('signing on a registry', () => {
  let reg: TestRegistry;
  let store: RegistryStore;
  let counter = 0;
  before(async () => {
    reg = await startRegistry('anonymous');
    store = reg.open();
  });
  after(async () => {
    await store?.close();
    await reg?.close();
  });

  signingSuite(
    'Distribution registry',
    async () => ({
      provider: store,
      prefix: `signing-${++counter}`,
      tamper: async (digest) => {
        const hex = digest.slice('sha256:'.length);
        const file = join(reg.dir, 'data/docker/registry/v2/blobs/sha256', hex.slice(0, 2), hex, 'data');
        const bytes = await readFile(file);
        await writeFile(file, Buffer.from(bytes.map((b, i) => (i === 0 ? b ^ 0x20 : b))));
      },
      close: async () => {},
    }),
    { tamper: true },
  );
});
