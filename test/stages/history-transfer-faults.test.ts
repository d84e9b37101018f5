/**
 * `transfer --copy-aliases` into a registry cut off at every request position (as
 * history-faults.test.ts does for tag, untag, sign, promote and rollback): a proxy in front of the
 * real registry forwards the k-th request and drops the connection before its answer, with retries
 * off; then the transfer runs again, as a user would. The target must then hold the version, every
 * alias of it and the whole history (the source's, copied, and one `transfer` event per alias),
 * with no duplicate event, nothing untracked and a chain that verifies: the same as a transfer that
 * was never cut.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type OpenedRepository, openRepository } from '../../src/open.js';
import { OcmRepository, transferComponentVersion } from '../../src/repository/index.js';
import { getAliasHistory, HistoryJournal, verifyAliasHistory } from '../../src/stages/index.js';
import { minuteClock } from '../contract/history-contract.js';
import { COMPONENT as C, descriptor } from '../support/descriptors.js';
import { startCutProxy } from '../support/fault-proxy.js';
import { sharedRegistry } from '../support/registry.js';
import { tempDir } from '../support/tmp.js';

const registry = sharedRegistry('anonymous');
after(() => registry.stop());
let dir: { path: string; remove: () => Promise<void> };
let source: OpenedRepository;
before(async () => {
  dir = await tempDir();
  source = await openRepository(join(dir.path, 'source'), {
    create: true,
    history: { actor: 'seed', now: minuteClock() },
  });
  for (const v of ['1.0.0', '1.1.0']) await source.repository.addComponentVersion(descriptor(v));
  await source.repository.addComponentVersionAlias(C, '1.1.0', 'prod');
  for (const alias of ['prod', 'stable']) await source.repository.addComponentVersionAlias(C, '1.0.0', alias);
});
after(async () => {
  await source?.close();
  await dir?.remove();
});

let counter = 0;
const journal = () => new HistoryJournal({ now: minuteClock(), actor: 'ci', foldEvery: 0 });
const transfer = (target: OcmRepository) =>
  transferComponentVersion(source.repository, target, C, '1.0.0', { copyAliases: true });

/** What a user checks on the target: its aliases, and the history as rows, verified. */
async function state(target: OcmRepository) {
  await verifyAliasHistory(target, C);
  const aliases = (await target.listComponentVersionAliases(C)).map((a) => `${a.alias}=${a.version}`).sort();
  const history = (await getAliasHistory(target, C)).map(
    (e) => `${e.operation} ${e.alias} ${e.from?.version ?? '-'} -> ${e.to?.version ?? '-'}`,
  );
  return { aliases, history };
}

async function round(position: number) {
  const reg = await registry.get();
  const prefix = `xfaults${process.pid}x${++counter}`;
  const proxy = await startCutProxy(reg.host, position);
  const cut = reg.open({ host: proxy.host, retry: { maxAttempts: 1 } });
  let first: unknown;
  try {
    await transfer(new OcmRepository(cut, { prefix, journal: journal() }));
  } catch (err) {
    first = err;
  }
  const dropped = proxy.faults.resetAfter;
  await cut.close();
  await proxy.close();
  const direct = reg.open();
  try {
    const target = new OcmRepository(direct, { prefix, journal: journal() });
    await transfer(target); // the rerun
    return { position, dropped, failed: first !== undefined, state: await state(target) };
  } finally {
    await direct.close();
  }
}

describe('transfer --copy-aliases into a registry cut off before the answer, at every request position', () => {
  it('after a rerun the target has every alias and the whole history, each transfer event once, nothing untracked', {
    timeout: 300_000,
  }, async () => {
    // The reference: a transfer never cut.
    const reg = await registry.get();
    const store = reg.open();
    const whole = new OcmRepository(store, { prefix: `xfaults${process.pid}x0`, journal: journal() });
    await transfer(whole);
    const want = await state(whole);
    await store.close();
    assert.deepEqual(want.aliases, ['prod=1.0.0', 'stable=1.0.0']);
    assert.equal(want.history.filter((h) => h.startsWith('transfer ')).length, 2, want.history.join('\n'));
    assert.ok(!want.history.some((h) => h.startsWith('untracked')), want.history.join('\n'));

    const results = [];
    for (let position = 1; ; position++) {
      const r = await round(position);
      results.push(r);
      if (r.dropped === 0) break; // past the last request: each request of the transfer had its turn
      assert.deepEqual(
        r.state,
        want,
        `position ${position} (the first run ${r.failed ? 'failed' : 'succeeded'})`,
      );
    }
    assert.ok(results.length >= 10, `positions tried ${results.length}`);
    assert.ok(
      results.some((r) => r.failed),
      'some cut-offs are seen by the client',
    );
    console.log(
      `# transfer --copy-aliases: ${results.length - 1} request positions cut; the first run failed at ${results
        .filter((r) => r.failed)
        .map((r) => r.position)
        .join(' ')}`,
    );
  });
});
