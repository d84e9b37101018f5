import { MemoryStore } from '../../src/oci/content/memory.js';
import { storeContract } from '../contract/store-contract.js';

storeContract('memory', async () => ({ provider: new MemoryStore(), close: async () => {} }));
