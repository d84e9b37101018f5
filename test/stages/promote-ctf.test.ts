/** The promotion story and --all on a CTF directory. */
import { join } from 'node:path';
import { after, before, describe } from 'node:test';
import { openRepository } from '../../src/open.js';
import { tempDir } from '../support/tmp.js';
import { promotionStory } from './promote-story.js';

describe('promotion on a CTF', () => {
  let dir: { path: string; remove: () => Promise<void> };
  let n = 0;
  before(async () => {
    dir = await tempDir();
  });
  after(() => dir.remove());
  promotionStory('CTF', {
    open: (now) => openRepository(join(dir.path, `ctf-${n++}`), { create: true, history: { now } }),
  });
});
