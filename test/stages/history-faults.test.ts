/**
 * Crash consistency of registry moves: a proxy in front of the real registry forwards one request
 * and drops the connection before its answer, at every request position of `tag` and `untag` in
 * turn, with retries off so that the client sees the failure. Then the command is run again, as a
 * user would, and the history must hold exactly one event for the move, with no untracked row, and
 * the first run's result must tell the truth.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { NotFoundError } from '../../src/errors.js';
import { OcmRepository } from '../../src/repository/index.js';
import { getAliasHistory, type HistoryEvent, HistoryJournal } from '../../src/stages/index.js';
import { minuteClock } from '../contract/history-contract.js';
import { COMPONENT as C, descriptor } from '../support/descriptors.js';
import { startFaultProxy } from '../support/fault-proxy.js';
import { sharedRegistry } from '../support/registry.js';

const registry = sharedRegistry('anonymous');
after(() => registry.stop());
let counter = 0;

type Step = 'tag' | 'untag';

async function round(step: Step, position: number) {
  const reg = await registry.get();
  const prefix = `faults${process.pid}x${++counter}`;
  const direct = reg.open();
  const journal = new HistoryJournal({ now: minuteClock(), actor: 'ci', foldEvery: 0 });
  const repo = new OcmRepository(direct, { prefix, journal });
  for (const v of ['1.0.0', '1.1.0']) await repo.addComponentVersion(descriptor(v));
  await repo.addComponentVersionAlias(C, '1.0.0', 'dev');
  let seen = 0;
  const proxy = await startFaultProxy({
    target: reg.host,
    rates: { resetAfter: 1 },
    maxFaults: 1,
    only: (_method, path) => path.includes('/component-descriptors/') && ++seen === position,
  });
  const cut = reg.open({ host: proxy.host, retry: { maxAttempts: 1 } });
  const cutRepo = new OcmRepository(cut, { prefix, journal });
  const run = (r: OcmRepository) =>
    step === 'tag' ? r.addComponentVersionAlias(C, '1.1.0', 'dev') : r.removeComponentVersionAlias(C, 'dev');
  let first: unknown;
  try {
    await run(cutRepo);
  } catch (err) {
    first = err;
  }
  const dropped = proxy.faults.resetAfter;
  await cut.close();
  await proxy.close();
  try {
    const target = step === 'tag' ? '1.1.0' : null;
    const now = await repo.resolveComponentVersion(C, 'dev').then(
      (r) => r.version,
      () => null,
    );
    if (first === undefined)
      assert.equal(now, target, `position ${position}: success means the move happened`);
    else if (now !== target) {
      // It failed and did not move: the rerun moves.
      await run(repo);
    } else if (step === 'untag') {
      // It failed with the alias gone, or halfway (left on the throw-away removal manifest): the rerun
      // finishes the removal, or says there is nothing to remove.
      await run(repo).catch((err: unknown) => assert.ok(err instanceof NotFoundError, String(err)));
      assert.ok(
        (await repo.listComponentVersionAliases(C)).every((a) => a.alias !== 'dev'),
        'dev is gone',
      );
    } else {
      await run(repo); // already there: records nothing more
    }
    const history = await getAliasHistory(repo, C);
    assert.ok(
      history.every((e) => e.operation !== 'untracked'),
      `position ${position}: no untracked row\n${JSON.stringify(history, null, 1)}`,
    );
    const events = history as HistoryEvent[];
    assert.equal(events.length, 2, `position ${position}: one event for the move, one for the set-up`);
    assert.equal(events[0]!.to?.version ?? null, target);
    assert.equal(events[0]!.from?.version, '1.0.0');
    return { position, dropped, failed: first !== undefined, code: (first as { code?: string })?.code };
  } finally {
    await direct.close();
  }
}

describe('registry moves cut off before the answer, at every request position', () => {
  for (const step of ['tag', 'untag'] as const) {
    it(`${step}: one move, one event, no untracked row, a truthful result, at every position`, {
      timeout: 300_000,
    }, async () => {
      const results = [];
      for (let position = 1; ; position++) {
        const r = await round(step, position);
        results.push(r);
        if (r.dropped === 0) break; // past the last request: every request of the move has had its turn
      }
      assert.ok(results.length >= 5, `${step}: positions tried ${results.length}`);
      assert.ok(
        results.some((r) => r.failed),
        `${step}: some cut-offs are seen by the client`,
      );
      console.log(
        `# ${step}: ${results.length - 1} request positions cut; failed runs: ${results
          .filter((r) => r.failed)
          .map((r) => `${r.position}:${r.code}`)
          .join(' ')}`,
      );
    });
  }
});
