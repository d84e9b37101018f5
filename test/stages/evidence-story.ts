/**
 * The evidence story, run on a CTF and on a real registry: CI attests e2e on 1.1.0 in staging; prod
 * is refused for missing approvals, and each piece of evidence that must not count is named with its
 * reason (a forged envelope, a key not in trust, evidence about another digest, an approval for
 * another stage, the same approver twice); bob's approval completes it; a later failure revokes the
 * pass; after `sign cv` (new manifest digest) the evidence still applies and prod moves, the promote
 * event recording the envelopes relied on. Time comes from one injected clock.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { encodeEnvelope, parseEnvelope } from '../../src/attestation/index.js';
import { writeEvidence } from '../../src/repository/evidence-store.js';
import type { OcmRepository } from '../../src/repository/index.js';
import { signComponentVersion } from '../../src/repository/index.js';
import {
  approve,
  attest,
  evidenceSubject,
  listEvidence,
  verifyEvidence,
} from '../../src/stages/evidence/evidence.js';
import { getAliasHistory } from '../../src/stages/history/index.js';
import { PolicyError, setStagePolicy } from '../../src/stages/policy/index.js';
import { planPromotion, promote } from '../../src/stages/promote.js';
import { COMPONENT, descriptor } from '../support/descriptors.js';
import { evidenceStagesDocument, testKey } from '../support/evidence-keys.js';

export interface EvidenceBackend {
  open(now: () => Date): Promise<{ repository: OcmRepository; close(): Promise<void> }>;
}

export const storyKeys = {
  ci: testKey('ecdsa-p256'),
  alice: testKey('ed25519'),
  bob: testKey('rsa'),
  carol: testKey('ecdsa-p256'),
  mallory: testKey('ed25519'),
};
const trust = Object.fromEntries(
  (['ci', 'alice', 'bob', 'carol'] as const).map((n) => [n, storyKeys[n].publicPem]),
);
export const evidenceDocument = evidenceStagesDocument(trust);

export function evidenceStory(label: string, backend: EvidenceBackend): void {
  it(`${label}: checks and approvals gate prod, and every refusal names its reason`, async () => {
    let now = new Date('2026-06-01T09:00:00Z');
    const clock = () => now;
    const tick = () => {
      now = new Date(now.getTime() + 60_000);
    };
    const { repository: repo, close } = await backend.open(clock);
    try {
      for (const v of ['1.0.0', '1.1.0']) await repo.addComponentVersion(descriptor(v));
      await setStagePolicy(repo, COMPONENT, evidenceDocument);
      await repo.addComponentVersionAlias(COMPONENT, '1.1.0', 'dev');
      await promote(repo, COMPONENT, { to: 'staging', now: clock });
      const w = (key: keyof typeof storyKeys) => ({ key: storyKeys[key].privatePem, now: clock });
      const prodGates = async () => {
        const plan = await planPromotion(repo, COMPONENT, { to: 'prod', now: clock });
        return Object.fromEntries(plan.gates.map((g) => [g.gate, g]));
      };

      // Nothing yet: both gates refuse, saying what is missing.
      let g = await prodGates();
      assert.equal(g.checks!.result, 'refused');
      assert.match(g.checks!.detail, /^e2e: no result in staging signed by ci$/);
      assert.match(g.approvals!.detail, /^0\/2 approvals: 2 more needed from alice, bob, carol$/);

      // CI attests through the alias; a run in dev does not count for a check required in staging.
      tick();
      await attest(repo, COMPONENT, 'dev', { check: 'e2e', result: 'passed', stage: 'dev' }, w('ci'));
      tick();
      const e2e = await attest(
        repo,
        COMPONENT,
        'staging',
        {
          check: 'e2e',
          result: 'passed',
          stage: 'staging',
          url: 'https://ci.example/run/7',
          passedTests: ['checkout'],
        },
        w('ci'),
      );
      assert.equal(e2e.subject.version, '1.1.0');
      g = await prodGates();
      assert.equal(g.checks!.result, 'pass');
      assert.match(
        g.checks!.detail,
        /^e2e PASSED at .* \(signed by ci\) https:\/\/ci\.example\/run\/7; ignored: a result from dev, not staging$/,
      );

      // Approvals that must not count, each named.
      tick();
      const aliceStaging = await approve(repo, COMPONENT, '1.1.0', { stage: 'staging' }, w('alice'));
      // Forged: alice's approval for staging, edited to say prod, signature kept.
      const forgedStatement = JSON.parse(Buffer.from(aliceStaging.envelope.payload, 'base64').toString());
      forgedStatement.predicate.stage = 'prod';
      const forged = {
        ...aliceStaging.envelope,
        payload: Buffer.from(JSON.stringify(forgedStatement)).toString('base64'),
      };
      await writeEvidence(repo.ociStore(COMPONENT), e2e.subject.digest, encodeEnvelope(forged), {});
      tick();
      await approve(repo, COMPONENT, '1.1.0', { stage: 'prod' }, w('mallory'));
      // About another digest (1.0.0's), stored under 1.1.0's tags.
      tick();
      const other = await approve(repo, COMPONENT, '1.0.0', { stage: 'prod' }, w('bob'));
      assert.notEqual(other.subject.digest, e2e.subject.digest);
      await writeEvidence(repo.ociStore(COMPONENT), e2e.subject.digest, encodeEnvelope(other.envelope), {});
      tick();
      await approve(repo, COMPONENT, '1.1.0', { stage: 'staging' }, w('carol'));
      tick();
      await approve(repo, COMPONENT, '1.1.0', { stage: 'prod', message: 'looks good' }, w('alice'));
      tick();
      const aliceProd = await approve(
        repo,
        COMPONENT,
        '1.1.0',
        { stage: 'prod', message: 'again' },
        w('alice'),
      );

      g = await prodGates();
      assert.equal(g.approvals!.result, 'refused');
      const detail = g.approvals!.detail;
      assert.match(detail, /^1\/2 approvals \(alice\): 1 more needed from bob, carol; ignored: /);
      assert.match(detail, /alice approved more than once \(counted once\)/);
      assert.match(detail, /carol's approval is for staging, not prod/);
      assert.match(detail, /an approval signed by a key not in trust \(keyid [0-9a-f]{16}…/);
      assert.match(
        detail,
        /an approval by bob about example\.com\/shop\/checkout:1\.0\.0 .*not this version's digest/,
      );
      assert.match(
        detail,
        /an approval whose signature does not verify with the key it names .*payload or signature altered/,
      );
      await assert.rejects(promote(repo, COMPONENT, { to: 'prod', now: clock }), (err: unknown) => {
        assert.ok(err instanceof PolicyError);
        assert.deepEqual(
          err.refused.map((r) => r.gate),
          ['approvals'],
        );
        return true;
      });

      // The listing shows all of it, verified against the trust keys.
      const { items } = await listEvidence(repo, COMPONENT, 'staging');
      const verified = verifyEvidence(
        items,
        Object.entries(trust).map(([name, publicKey]) => ({ name, publicKey })),
      );
      assert.equal(verified.length, 9);
      assert.deepEqual(
        verified.map((v) => v.verified).sort(),
        ['bad signature', 'unknown key', ...Array(7).fill('verified')].sort(),
      );

      // A later failure revokes the pass; a new pass restores it.
      tick();
      await attest(
        repo,
        COMPONENT,
        'staging',
        { check: 'e2e', result: 'failed', stage: 'staging', url: 'https://ci.example/run/8' },
        w('ci'),
      );
      g = await prodGates();
      assert.equal(g.checks!.result, 'refused');
      assert.match(
        g.checks!.detail,
        /^e2e FAILED at .* https:\/\/ci\.example\/run\/8: the newest result failed/,
      );

      // Signing gives 1.1.0 a new manifest digest; the evidence is about the normalised digest and stays.
      const before = await evidenceSubject(repo, COMPONENT, '1.1.0');
      const signed = await signComponentVersion(repo, COMPONENT, '1.1.0', {
        name: 'release',
        privateKey: storyKeys.bob.privateKey,
      });
      assert.notEqual(signed.digest, before.manifestDigest);
      const after = await evidenceSubject(repo, COMPONENT, '1.1.0');
      assert.equal(after.digest, before.digest);

      tick();
      const pass = await attest(
        repo,
        COMPONENT,
        'staging',
        { check: 'e2e', result: 'passed', stage: 'staging' },
        w('ci'),
      );
      tick();
      const bob = await approve(repo, COMPONENT, 'staging', { stage: 'prod' }, w('bob'));
      const done = await promote(repo, COMPONENT, { to: 'prod', now: clock });
      assert.equal(done.status, 'promoted');
      assert.deepEqual(
        done.plan.gates.map((x) => `${x.gate}:${x.result}`),
        ['from:pass', 'checks:pass', 'approvals:pass'],
      );
      const [event] = await getAliasHistory(repo, COMPONENT, { alias: 'prod', limit: 1 });
      const relied = (event as { details?: { evidence?: string[] } }).details?.evidence ?? [];
      assert.equal(relied.length, 3);
      assert.ok(relied.includes(pass.digest) && relied.includes(bob.digest));
      // alice approved before signing: her newest approval still counts for the signed manifest.
      assert.ok(relied.includes(aliceProd.digest));
      assert.equal(done.plan.candidate.digest, signed.digest);

      // The envelope as stored is what was signed: re-encoding it changes nothing.
      assert.deepEqual(
        encodeEnvelope(parseEnvelope(encodeEnvelope(bob.envelope))),
        encodeEnvelope(bob.envelope),
      );
      // Evidence tags are neither versions nor aliases, and never resolve.
      assert.deepEqual(await repo.listComponentVersions(COMPONENT), ['1.1.0', '1.0.0']);
      assert.deepEqual(
        (await repo.listComponentVersionAliases(COMPONENT)).map((a) => a.alias),
        ['dev', 'prod', 'staging'],
      );
      await assert.rejects(repo.resolveComponentVersion(COMPONENT, bob.tag), /no version or alias/);
    } finally {
      await close();
    }
  });
}
