/**
 * A registry cannot enforce the rules: a stage moved around ocm-ts (a bare tag push) is an untracked
 * move in the history, and it restarts the soak clock: the soak refuses until the stage is moved
 * through ocm-ts again.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { openRepository } from '../../src/open.js';
import { getAliasHistory } from '../../src/stages/history/index.js';
import { setStagePolicy } from '../../src/stages/policy/index.js';
import { planPromotion, promote } from '../../src/stages/promote.js';
import { COMPONENT, descriptor } from '../support/descriptors.js';
import { tempDir } from '../support/tmp.js';

let dir: { path: string; remove: () => Promise<void> };
before(async () => {
  dir = await tempDir();
});
after(() => dir.remove());

it('an untracked move of the source stage restarts the soak clock', async () => {
  let now = new Date('2026-03-01T08:00:00Z');
  const clock = () => now;
  const { repository: repo, close } = await openRepository(join(dir.path, 'ctf'), {
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
