/**
 * A registry cannot enforce the rules: a stage moved around ocm-ts (a bare tag push) is an untracked
 * move in the history, and it restarts the soak clock: the soak refuses until the stage is moved
 * through ocm-ts again. On a real Distribution registry, and on a CTF (where a tag written by another
 * tool is the same case).
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openRepository } from '../../src/open.js';
import { getAliasHistory } from '../../src/stages/history/index.js';
import { setStagePolicy } from '../../src/stages/policy/index.js';
import { planPromotion, promote } from '../../src/stages/promote.js';
import { COMPONENT, descriptor } from '../support/descriptors.js';
import { sharedRegistry } from '../support/registry.js';
import { tempDir } from '../support/tmp.js';

let dir: { path: string; remove: () => Promise<void> };
const registry = sharedRegistry('anonymous');
before(async () => {
  dir = await tempDir();
});
after(async () => {
  await registry.stop();
  await dir.remove();
});

const repositories = {
  registry: async () => `${(await registry.get()).host}/untracked`,
  CTF: async () => join(dir.path, 'ctf'),
};

describe('an untracked move of the source stage restarts the soak clock', () => {
  for (const [kind, where] of Object.entries(repositories))
    it(`on a ${kind}`, async () => {
      let now = new Date('2026-03-01T08:00:00Z');
      const clock = () => now;
      const { repository: repo, close } = await openRepository(await where(), {
        create: true,
        history: { now: clock },
      });
      try {
        for (const v of ['1.0.0', '1.1.0']) await repo.addComponentVersion(descriptor(v));
        await setStagePolicy(
          repo,
          COMPONENT,
          'stages:\n  - name: staging\n  - name: prod\n    from: staging\n    soak: 24h\n',
        );
        await repo.addComponentVersionAlias(COMPONENT, '1.0.0', 'staging');
        // Around ocm-ts: a bare tag push moves staging to 1.1.0; no event is recorded.
        const store = repo.ociStore(COMPONENT);
        await store.tag(await store.resolve('1.1.0'), 'staging');
        now = new Date(now.getTime() + 48 * 3_600_000);
        const history = await getAliasHistory(repo, COMPONENT, { alias: 'staging' });
        assert.equal(history[0]!.operation, 'untracked');

        const plan = await planPromotion(repo, COMPONENT, { to: 'prod', now: clock });
        assert.equal(plan.status, 'refused');
        const soak = plan.gates.find((g) => g.gate === 'soak')!;
        assert.equal(soak.result, 'refused');
        assert.match(soak.detail, /an untracked move\), which restarts the clock/);

        // Moved through ocm-ts (away and back), the clock starts; a day later prod may take it.
        await repo.addComponentVersionAlias(COMPONENT, '1.0.0', 'staging');
        await repo.addComponentVersionAlias(COMPONENT, '1.1.0', 'staging');
        now = new Date(now.getTime() + 24 * 3_600_000);
        assert.equal((await promote(repo, COMPONENT, { to: 'prod', now: clock })).status, 'promoted');
      } finally {
        await close();
      }
    });
});
