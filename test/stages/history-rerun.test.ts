/**
 * A command cut off after it recorded its move but before it moved (its entry is not done), then a
 * rerun that made the same move, then a fold: one event, not two. The fold takes the rerun's event
 * into the head; the first entry, which nothing can confirm any more, must not be confirmed later by
 * the alias standing where both entries said (found by killing a promotion between its entry and its
 * alias move: test/stages/promote-across-kill.test.ts).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { openRepository } from '../../src/open.js';
import { foldHistory, getAliasHistory, HistoryJournal } from '../../src/stages/history/index.js';
import { COMPONENT, descriptor } from '../support/descriptors.js';
import { startRegistry, type TestRegistry } from '../support/registry.js';

describe('alias history on a registry: a cut-off move, its rerun and a fold', () => {
  let registry: TestRegistry;
  before(async () => {
    registry = await startRegistry('anonymous');
  });
  after(() => registry?.close());

  it('records the move once, before and after the fold, within the grace time', async () => {
    // No fold on commit: the test folds when it wants to.
    const { repository, close } = await openRepository(`${registry.host}/rerun`, {
      history: { foldEvery: 0 },
    });
    try {
      const { digest } = await repository.addComponentVersion(descriptor('1.0.0'));
      const store = repository.ociStore(COMPONENT);
      const to = { version: '1.0.0', digest };
      // The first run: its entry is written, then it is cut off before the alias moves.
      await new HistoryJournal({ foldEvery: 0 }).begin(
        store,
        COMPONENT,
        [{ alias: 'prod', from: null, to, operation: 'promote' }],
        { atomic: false, actor: 'first-run' },
      );
      // The rerun makes the same move, with an entry of its own, marked done.
      await repository.addComponentVersionAlias(COMPONENT, '1.0.0', 'prod', { actor: 'rerun' });
      const moves = async () =>
        (await getAliasHistory(repository, COMPONENT, { alias: 'prod' })).map(
          (e) => `${e.operation} ${e.to?.version} by ${e.actor}`,
        );
      assert.deepEqual(await moves(), ['tag 1.0.0 by rerun']);
      const fold = await foldHistory(store, COMPONENT);
      assert.equal(fold.waiting, 0, 'the cut-off entry is not left waiting');
      assert.deepEqual(await moves(), ['tag 1.0.0 by rerun']);
    } finally {
      await close();
    }
  });
});
