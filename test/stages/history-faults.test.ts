/**
 * Crash consistency of registry moves: a proxy in front of the real registry forwards one request
 * and drops the connection before its answer, at every request position of `tag` and `untag` in
 * turn, with retries off so that the client sees the failure. Then the command is run again, as a
 * user would, and the history must hold exactly one event for the move, with no untracked row, and
 * the first run's result must tell the truth.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { after, describe, it } from 'node:test';
import { NotFoundError } from '../../src/errors.js';
import { OcmRepository } from '../../src/repository/index.js';
import { signComponentVersion, verifyComponentVersion } from '../../src/repository/signing.js';
import {
  getAliasHistory,
  type HistoryEvent,
  HistoryJournal,
  promote,
  rollbackAlias,
  setStagePolicy,
} from '../../src/stages/index.js';
import { minuteClock } from '../contract/history-contract.js';
import { COMPONENT as C, descriptor } from '../support/descriptors.js';
import { startCutProxy } from '../support/fault-proxy.js';
import { sharedRegistry } from '../support/registry.js';

const registry = sharedRegistry('anonymous');
after(() => registry.stop());
let counter = 0;

type Step = 'tag' | 'untag' | 'sign' | 'promote' | 'rollback';
const keys = generateKeyPairSync('rsa', { modulusLength: 2048 });

async function round(step: Step, position: number) {
  const reg = await registry.get();
  const prefix = `faults${process.pid}x${++counter}`;
  const direct = reg.open();
  const journal = new HistoryJournal({ now: minuteClock(), actor: 'ci', foldEvery: 0 });
  const repo = new OcmRepository(direct, { prefix, journal });
  for (const v of ['1.0.0', '1.1.0']) await repo.addComponentVersion(descriptor(v));
  await repo.addComponentVersionAlias(C, '1.0.0', 'dev');
  if (step === 'promote') {
    await setStagePolicy(repo, C, 'stages:\n  - name: src\n  - name: dev\n    from: src\n');
    await repo.addComponentVersionAlias(C, '1.1.0', 'src');
  }
  if (step === 'rollback') await repo.addComponentVersionAlias(C, '1.1.0', 'dev');
  const proxy = await startCutProxy(reg.host, position);
  const cut = reg.open({ host: proxy.host, retry: { maxAttempts: 1 } });
  const cutRepo = new OcmRepository(cut, { prefix, journal });
  const run = (r: OcmRepository): Promise<unknown> =>
    step === 'tag'
      ? r.addComponentVersionAlias(C, '1.1.0', 'dev')
      : step === 'untag'
        ? r.removeComponentVersionAlias(C, 'dev')
        : step === 'promote'
          ? promote(r, C, { to: 'dev' })
          : step === 'rollback'
            ? rollbackAlias(r, C, 'dev')
            : signComponentVersion(r, C, 'dev', { name: 'release', privateKey: keys.privateKey });
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
    if (step === 'sign') return await checkSign(repo, position, first, dropped);
    const target = step === 'untag' ? null : step === 'rollback' ? '1.0.0' : '1.1.0';
    const from = step === 'rollback' ? '1.1.0' : '1.0.0';
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
    } else if (step !== 'rollback') {
      await run(repo); // already there: records nothing more
    } // a rollback that landed is not run again: that would roll back one more move
    const history = await getAliasHistory(repo, C);
    assert.ok(
      history.every((e) => e.operation !== 'untracked'),
      `position ${position}: no untracked row\n${JSON.stringify(history, null, 1)}`,
    );
    const events = (history as HistoryEvent[]).filter((e) => e.alias === 'dev');
    assert.equal(
      events.length,
      step === 'rollback' ? 3 : 2,
      `position ${position}: one event for the move, the rest for the set-up`,
    );
    assert.equal(events[0]!.to?.version ?? null, target);
    assert.equal(events[0]!.from?.version, from);
    if (step === 'promote' || step === 'rollback') assert.equal(events[0]!.operation, step);
    return { position, dropped, failed: first !== undefined, code: (first as { code?: string })?.code };
  } finally {
    await direct.close();
  }
}

/**
 * After a cut-off sign and a rerun: the version carries one signature that verifies, dev names the
 * signed manifest, and the history holds one sign event for dev (none when the first run never got
 * to move it and the rerun did, one either way), never two.
 */
async function checkSign(repo: OcmRepository, position: number, first: unknown, dropped: number) {
  // The rerun, as a user would: it completes, or finds the version signed and does nothing.
  const again = await signComponentVersion(repo, C, 'dev', { name: 'release', privateKey: keys.privateKey });
  const { descriptor, resolution } = await repo.getComponentVersion(C, 'dev');
  assert.equal(resolution.version, '1.0.0');
  assert.equal(again.digest, resolution.digest, 'dev names the signed manifest');
  assert.equal((descriptor.signatures ?? []).filter((s) => s.name === 'release').length, 1, 'one signature');
  await verifyComponentVersion(repo, C, 'dev', { name: 'release', publicKey: keys.publicKey });
  const history = await getAliasHistory(repo, C);
  assert.ok(
    history.every((e) => e.operation !== 'untracked'),
    `position ${position}: no untracked row`,
  );
  const signs = (history as HistoryEvent[]).filter((e) => e.operation === 'sign');
  assert.equal(signs.length, 1, `position ${position}: one sign event\n${JSON.stringify(history, null, 1)}`);
  assert.equal(signs[0]!.to?.digest, resolution.digest);
  const twice = await signComponentVersion(repo, C, 'dev', { name: 'release', privateKey: keys.privateKey });
  assert.equal(twice.previousDigest, twice.digest, 'a second rerun signs nothing');
  return { position, dropped, failed: first !== undefined, code: (first as { code?: string })?.code };
}

describe('registry moves cut off before the answer, at every request position', () => {
  for (const step of ['tag', 'untag', 'sign', 'promote', 'rollback'] as const) {
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
