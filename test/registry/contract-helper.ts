import { after } from 'node:test';
import { storeContract } from '../contract/store-contract.js';
import { type RegistryVariant, sharedRegistry } from '../support/registry.js';

/** The store contract against one registry variant, one registry per test file. */
export function registryContract(variant: RegistryVariant): void {
  const registry = sharedRegistry(variant);
  after(() => registry.stop());
  storeContract(
    `registry (${variant})`,
    async () => {
      const store = (await registry.get()).open();
      return { provider: store, close: () => store.close() };
    },
    { deletes: true, listsRepositories: true },
  );
}
