/** The promotion story and --all on a real CNCF Distribution registry. */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openRepository } from '../../src/open.js';
import { ocm } from '../support/cli.js';
import { descriptor } from '../support/descriptors.js';
import { startRegistry, type TestRegistry } from '../support/registry.js';
import { tempDir } from '../support/tmp.js';
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

  it('ocm set stages --all sets the document on every component under a registry prefix', async () => {
    const names = ['example.com/p/one', 'example.com/p/two', 'example.com/p/three'];
    const { repository, close } = await openRepository(`${registry.host}/all`);
    for (const name of names) await repository.addComponentVersion(descriptor('1.0.0', { name }));
    await close();
    const dir = await tempDir();
    try {
      const doc = 'stages:\n  - name: dev\n  - name: prod\n    from: dev\n';
      await writeFile(join(dir.path, 'stages.yaml'), doc);
      const set = await ocm(
        ['set', 'stages', `${registry.host}/all`, '--all', '--file', 'stages.yaml', '-o', 'json'],
        {
          cwd: dir.path,
        },
      );
      assert.equal(set.code, 0, set.stderr);
      assert.deepEqual(
        JSON.parse(set.stdout).map((r: { component: string }) => r.component),
        [...names].sort(),
      );
      for (const name of names) {
        const got = await ocm(['get', 'stages', `${registry.host}/all//${name}`, '-o', 'yaml'], {
          cwd: dir.path,
        });
        assert.equal(got.stdout, doc);
      }
    } finally {
      await dir.remove();
    }
  });
});
