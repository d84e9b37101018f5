/** The evidence story on a CTF directory, and 4 processes attesting one version at once. */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openRepository } from '../../src/open.js';
import { descriptor } from '../support/descriptors.js';
import { tempDir } from '../support/tmp.js';
import { raceAttestations } from './evidence-race.js';
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

describe('evidence on a CTF: 4 processes attesting one version at once', () => {
  it('every envelope is present, exactly', { timeout: 180_000 }, async () => {
    const dir = await tempDir();
    try {
      const path = join(dir.path, 'ctf');
      const { repository, close } = await openRepository(path, { create: true });
      await repository.addComponentVersion(descriptor('1.0.0'));
      await close();
      const { repository: repo, close: done } = await openRepository(path);
      try {
        const outcome = await raceAttestations(path, repo, '1.0.0', 4, 5);
        assert.deepEqual(outcome.failed, []);
        assert.equal(outcome.reported, 20);
        assert.equal(outcome.listed, 20);
      } finally {
        await done();
      }
    } finally {
      await dir.remove();
    }
  });
});
