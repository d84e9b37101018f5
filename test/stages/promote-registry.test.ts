/** The promotion story and --all on a real CNCF Distribution registry. */
import { after, before, describe } from 'node:test';
import { openRepository } from '../../src/open.js';
import { startRegistry, type TestRegistry } from '../support/registry.js';
import { promotionStory } from './promote-story.js';

describe('promotion on a registry', () => {
  let registry: TestRegistry;
  let n = 0;
  before(async () => {
    registry = await startRegistry('anonymous');
  });
  after(() => registry.close());
  promotionStory('registry', {
    open: (now) => openRepository(`${registry.host}/story${n++}`, { history: { now } }),
  });
});
