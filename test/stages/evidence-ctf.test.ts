/** The evidence story on a CTF directory. */
import { join } from 'node:path';
import { after, before, describe } from 'node:test';
import { openRepository } from '../../src/open.js';
import { tempDir } from '../support/tmp.js';
import { evidenceStory } from './evidence-story.js';

describe('evidence on a CTF', () => {
  let dir: { path: string; remove: () => Promise<void> };
  before(async () => {
    dir = await tempDir();
  });
  after(() => dir.remove());
  evidenceStory('CTF', {
    open: (now) => openRepository(join(dir.path, 'ctf'), { create: true, history: { now } }),
  });
});
