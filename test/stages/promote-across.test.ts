/**
 * Stages in other repositories, on two real Distribution registries: dev and staging in A, prod in B
 * (`repository:` in A's stages document). The soak is refused and nothing reaches B; a day later the
 * product and its references are copied with their evidence (same digests, checked in B), prod moves
 * in B, and both histories tell the move. The document follows into B without turning its copy into
 * rules of its own; when B keeps other, stricter rules, they are gates too.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { NotFoundError } from '../../src/errors.js';
import { openRepository } from '../../src/open.js';
import { checkComponentVersion, type OcmRepository } from '../../src/repository/index.js';
import { AutoPromoter } from '../../src/stages/auto.js';
import { approve, attest, listEvidence, verifyEvidence } from '../../src/stages/evidence/evidence.js';
import { getAliasHistory, type HistoryEntry, type HistoryEvent } from '../../src/stages/history/index.js';
import { PolicyError, setStagePolicy } from '../../src/stages/policy/index.js';
import { planPromotion, promote, type RepositoryOpener } from '../../src/stages/promote.js';
import { indentPem, testKey } from '../support/evidence-keys.js';
import { addPart, PRODUCT, svc } from '../support/products.js';
import { startRegistry, type TestRegistry } from '../support/registry.js';
import { tempDir } from '../support/tmp.js';

const hour = 3_600_000;
const keys = { ci: testKey('ecdsa-p256'), site: testKey('ed25519') };
const pem = (text: string) => indentPem(text, 6);

/** A's rules: prod lives in `prodRepository`, takes staging after a day and a passing e2e run. */
export function acrossDocument(prodRepository: string): string {
  return `trust:
  - name: ci
    publicKey: |
${pem(keys.ci.publicPem)}stages:
  - name: dev
  - name: staging
    from: dev
  - name: prod
    repository: ${prodRepository}
    from: staging
    soak: 24h
    checks:
      - name: e2e
        by: [ci]
        stage: staging
`;
}

/** B's own rules for prod: an approval by the site's key. */
const siteDocument = `trust:
  - name: site
    publicKey: |
${pem(keys.site.publicPem)}stages:
  - name: prod
    approvals:
      count: 1
      by: [site]
`;

const events = (entries: readonly HistoryEntry[]) =>
  entries.filter((e): e is HistoryEvent => e.operation !== 'untracked');

/** A's product at staging and an automatic prod in B, with a stepped clock and an opener `close` closes. */
async function automaticAcross(names: { a: string; b: string }, soak: string | undefined) {
  let now = new Date('2026-06-01T09:00:00Z');
  const clock = { now: () => now, sleep: async () => {} };
  const opened: { close(): Promise<void> }[] = [];
  const open = async (reference: string) => {
    const o = await openRepository(reference, { history: { now: clock.now } });
    opened.push(o);
    return o.repository;
  };
  const close = async () => {
    for (const o of opened) await o.close();
  };
  try {
    const repoA = await open(names.a);
    await addPart(repoA, { name: PRODUCT });
    const soakLine = soak === undefined ? '' : `    soak: ${soak}\n`;
    const doc = `stages:\n  - name: staging\n  - name: prod\n    from: staging\n${soakLine}    auto: true\n    repository: ${names.b}\n`;
    await setStagePolicy(repoA, PRODUCT, doc);
    await repoA.addComponentVersionAlias(PRODUCT, '1.0.0', 'staging');
    const advance = (ms: number) => {
      now = new Date(now.getTime() + ms);
    };
    return { clock, advance, open, repoA, close };
  } catch (err) {
    await close();
    throw err;
  }
}

describe('promotion into a stage of another registry', () => {
  let a: TestRegistry;
  let b: TestRegistry;
  before(async () => {
    [a, b] = await Promise.all([startRegistry('anonymous'), startRegistry('anonymous')]);
  });
  after(async () => {
    await Promise.all([a?.close(), b?.close()]);
  });

  it('copies the product with its evidence, moves prod in B last, and records it on both sides', async () => {
    let now = new Date('2026-06-01T09:00:00Z');
    const clock = () => now;
    const advance = (ms: number) => {
      now = new Date(now.getTime() + ms);
    };
    const names = { a: `${a.host}/dev`, b: `${b.host}/prod` };
    const opened: { close(): Promise<void> }[] = [];
    const open = async (reference: string) => {
      const o = await openRepository(reference, { history: { now: clock } });
      opened.push(o);
      return o.repository;
    };
    const openRepositoryAt: RepositoryOpener = (reference) => open(reference);
    try {
      const repoA = await open(names.a);
      const repoB = await open(names.b);
      const across = { openRepository: openRepositoryAt, name: names.a, now: clock, actor: 'release-bot' };
      const product = async (version: string) => {
        await addPart(repoA, { name: svc('b'), version });
        await addPart(repoA, { name: svc('a'), version, refs: { 'svc-b': `${svc('b')}:${version}` } });
        await addPart(repoA, {
          name: PRODUCT,
          version,
          refs: { 'svc-a': `${svc('a')}:${version}`, 'svc-b': `${svc('b')}:${version}` },
        });
        await repoA.addComponentVersionAlias(PRODUCT, version, 'dev');
        await promote(repoA, PRODUCT, { ...across, to: 'staging' });
        await attest(
          repoA,
          PRODUCT,
          version,
          { check: 'e2e', result: 'passed', stage: 'staging' },
          { key: keys.ci.privatePem, now: clock },
        );
      };
      await setStagePolicy(repoA, PRODUCT, acrossDocument(names.b));
      await product('1.0.0');

      // An hour in staging: refused for the soak, and B has not been written to.
      advance(hour);
      await assert.rejects(promote(repoA, PRODUCT, { ...across, to: 'prod' }), (err: unknown) => {
        assert.ok(err instanceof PolicyError);
        assert.deepEqual(
          err.refused.map((g) => g.gate),
          ['soak'],
        );
        return true;
      });
      assert.deepEqual(await repoB.listComponents(), []);

      // A day later: promoted into B.
      advance(24 * hour);
      const plan = await planPromotion(repoA, PRODUCT, { ...across, to: 'prod' });
      assert.equal(plan.repository, names.b);
      assert.equal(plan.status, 'ready');
      const result = await promote(repoA, PRODUCT, { ...across, to: 'prod', message: 'release 1.0.0' });
      assert.equal(result.status, 'promoted');

      // B holds the product and its references under the same digests, and their blobs verify there.
      for (const name of [PRODUCT, svc('a'), svc('b')]) {
        const [inA, inB] = await Promise.all([
          repoA.resolveComponentVersion(name, '1.0.0'),
          repoB.resolveComponentVersion(name, '1.0.0'),
        ]);
        assert.equal(inB.digest, inA.digest, `${name} has the same digest in B`);
        await checkComponentVersion(repoB, name, '1.0.0');
      }
      assert.equal((await repoB.resolveComponentVersion(PRODUCT, 'prod')).version, '1.0.0');
      await assert.rejects(repoA.resolveComponentVersion(PRODUCT, 'prod'), NotFoundError);
      // The evidence came along and verifies in B with the document's keys.
      const found = await listEvidence(repoB, PRODUCT, '1.0.0');
      const verified = verifyEvidence(found.items, [{ name: 'ci', publicKey: keys.ci.publicPem }]);
      assert.deepEqual(
        verified.map((v) => [v.signer, v.verified, v.problem ?? 'counts']),
        [['ci', 'verified', 'counts']],
      );

      // Both histories tell the move: B where it came from, A where it went; neither has an untracked row.
      const inB = await getAliasHistory(repoB, PRODUCT);
      assert.deepEqual(
        inB.map((e) => `${e.operation}:${e.alias ?? '-'}`),
        ['promote:prod', 'policy:-'],
      );
      const arrived = events(inB)[0]!;
      assert.equal(arrived.details?.sourceRepository, names.a);
      assert.equal(arrived.details?.source, 'staging');
      assert.equal(arrived.message, 'release 1.0.0');
      assert.equal(arrived.actor, 'release-bot');
      const inA = await getAliasHistory(repoA, PRODUCT);
      assert.ok(inA.every((e) => e.operation !== 'untracked'));
      const left = events(inA)[0]!;
      assert.equal(left.alias, null);
      assert.equal(left.operation, 'promote');
      assert.deepEqual(left.to, { version: '1.0.0', digest: plan.candidate.digest });
      assert.equal(left.details?.stage, 'prod');
      assert.equal(left.details?.repository, names.b);
      assert.equal(events(inA).filter((e) => e.details?.repository === names.b).length, 1);

      // B's copy of A's document is not rules of its own: the next release goes through as well.
      await product('1.1.0');
      advance(25 * hour);
      const second = await promote(repoA, PRODUCT, { ...across, to: 'prod' });
      assert.equal(second.status, 'promoted');
      assert.equal(second.plan.targetPolicy, undefined);
      assert.equal((await repoB.resolveComponentVersion(PRODUCT, 'prod')).version, '1.1.0');

      // B keeps stricter rules of its own: both must pass.
      await setStagePolicy(repoB, PRODUCT, siteDocument);
      await product('1.2.0');
      advance(25 * hour);
      await assert.rejects(promote(repoA, PRODUCT, { ...across, to: 'prod' }), (err: unknown) => {
        assert.ok(err instanceof PolicyError);
        assert.deepEqual(
          err.refused.map((g) => `${g.gate}:${g.rules ?? 'own'}`),
          ['approvals:target'],
        );
        return true;
      });
      await assert.rejects(repoB.resolveComponentVersion(PRODUCT, '1.2.0'), NotFoundError);
      const approval = await approve(
        repoA,
        PRODUCT,
        '1.2.0',
        { stage: 'prod' },
        { key: keys.site.privatePem, now: clock },
      );
      const third = await promote(repoA, PRODUCT, { ...across, to: 'prod' });
      assert.equal(third.status, 'promoted');
      assert.ok(third.plan.targetPolicy !== undefined);
      assert.deepEqual(
        third.plan.gates.map((g) => `${g.gate}:${g.result}${g.rules === 'target' ? ':target' : ''}`),
        ['from:pass', 'soak:pass', 'checks:pass', 'approvals:pass:target'],
      );
      // The event keeps the evidence both documents' gates relied on: A's e2e check and B's approval.
      assert.equal(third.plan.evidence?.length, 2);
      assert.ok(third.plan.evidence?.includes(approval.digest));
      assert.equal((await repoB.resolveComponentVersion(PRODUCT, 'prod')).version, '1.2.0');
      const promotions = events(await getAliasHistory(repoB, PRODUCT, { alias: 'prod' }));
      assert.deepEqual(
        promotions.map((e) => e.to?.version),
        ['1.2.0', '1.1.0', '1.0.0'],
      );
    } finally {
      for (const o of opened) await o.close();
    }
  });

  it('the automatic promoter moves prod in B the moment the soak in A ends', async () => {
    const names = { a: `${a.host}/auto`, b: `${b.host}/auto-prod` };
    const { clock, advance, open, repoA, close } = await automaticAcross(names, '1h');
    try {
      const promoter = new AutoPromoter(repoA, {
        to: 'prod',
        clock,
        openRepository: (reference) => open(reference),
        name: names.a,
        actor: 'promoter',
      });
      const first = await promoter.look();
      assert.deepEqual(
        first.map((d) => d.outcome),
        ['waiting'],
      );
      advance(hour);
      const second = await promoter.look();
      assert.deepEqual(
        second.map((d) => d.outcome),
        ['promoted'],
      );
      const repoB = await open(names.b);
      assert.equal((await repoB.resolveComponentVersion(PRODUCT, 'prod')).version, '1.0.0');
      const [arrived] = events(await getAliasHistory(repoB, PRODUCT, { alias: 'prod' }));
      assert.equal(arrived?.details?.auto, true);
      assert.equal(arrived?.details?.sourceRepository, names.a);
      assert.deepEqual(await promoter.look(), [], 'an idle look decides nothing');
    } finally {
      await close();
    }
  });

  it('a promotion into B cut off after its move: the automatic promoter writes the missing record in A, once', async () => {
    const names = { a: `${a.host}/cutoff`, b: `${b.host}/cutoff-prod` };
    const { clock, advance, open, repoA, close } = await automaticAcross(names, undefined);
    try {
      // A run by hand, cut off after prod moved in B and before its record in A.
      const cutOff = new Proxy(repoA, {
        get(target, name) {
          if (name === 'recordRemotePromotion') return async () => Promise.reject(new Error('cut off'));
          const value = Reflect.get(target, name, target);
          return typeof value === 'function' ? value.bind(target) : value;
        },
      });
      await assert.rejects(
        promote(cutOff, PRODUCT, { to: 'prod', openRepository: open, name: names.a, now: clock.now }),
        /cut off/,
      );
      const repoB = await open(names.b);
      assert.equal((await repoB.resolveComponentVersion(PRODUCT, 'prod')).version, '1.0.0');
      const departures = async () =>
        events(await getAliasHistory(repoA, PRODUCT, { alias: 'prod', elsewhere: true })).filter(
          (e) => e.operation === 'promote',
        );
      assert.deepEqual(await departures(), []);
      const promoter = new AutoPromoter(repoA, {
        to: 'prod',
        clock,
        openRepository: (reference) => open(reference),
        name: names.a,
        actor: 'promoter',
      });
      const [decision] = await promoter.look();
      assert.equal(decision?.outcome, 'up to date');
      assert.match(decision?.detail ?? '', /record where it came from was completed/);
      const recorded = await departures();
      assert.equal(recorded.length, 1);
      assert.equal(recorded[0]?.details?.repository, names.b);
      assert.equal(recorded[0]?.to?.version, '1.0.0');
      advance(hour);
      await promoter.look();
      assert.equal((await departures()).length, 1, 'recorded once');
    } finally {
      await close();
    }
  });

  it('both stages in one other repository: a promotion there, with no copy and no departure record', async () => {
    const dir = await tempDir();
    const opened: { close(): Promise<void> }[] = [];
    const open = async (reference: string, create = false) => {
      const o = await openRepository(reference, { create });
      opened.push(o);
      return o.repository;
    };
    try {
      const home = await open(join(dir.path, 'rules'), true);
      const there = await open(join(dir.path, 'site'), true);
      await addPart(there, { name: PRODUCT });
      await there.addComponentVersionAlias(PRODUCT, '1.0.0', 'staging');
      const at = join(dir.path, 'site');
      await setStagePolicy(
        home,
        PRODUCT,
        `stages:\n  - name: staging\n    repository: ${at}\n  - name: prod\n    from: staging\n    repository: ${at}\n`,
      );
      const result = await promote(home, PRODUCT, {
        to: 'prod',
        openRepository: (r) => open(r),
        name: 'rules',
      });
      assert.equal(result.status, 'promoted');
      assert.equal((await there.resolveComponentVersion(PRODUCT, 'prod')).version, '1.0.0');
      assert.deepEqual(
        (await getAliasHistory(there, PRODUCT)).map((e) => `${e.operation}:${e.alias ?? '-'}`),
        ['promote:prod', 'policy:-', 'tag:staging'],
      );
    } finally {
      for (const o of opened) await o.close();
      await dir.remove();
    }
  });

  it('a stage in another repository needs an opener: a clear error, nothing written', async () => {
    const { repository, close } = await openRepository(`${a.host}/no-opener`);
    try {
      await addPart(repository, { name: PRODUCT });
      await setStagePolicy(repository, PRODUCT, acrossDocument(`${b.host}/never`));
      await repository.addComponentVersionAlias(PRODUCT, '1.0.0', 'staging', { force: true });
      await assert.rejects(
        planPromotion(repository, PRODUCT, { to: 'prod' }),
        /cannot open other repositories/,
      );
    } finally {
      await close();
    }
  });
});

export type { OcmRepository };
