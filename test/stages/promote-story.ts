/**
 * The promotion story, run on a CTF and on a real registry: dev -> staging allowed; staging -> prod
 * refused for the soak (with the time left), for a missing signature (allowed after signing), during
 * a freeze, and backwards without --allow-downgrade; two promoters with stale plans (one wins, the
 * other gets AliasConflictError and changes nothing). Time comes from one injected clock, used by the
 * history and by the gates; nothing sleeps. The history then reads as a release log.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { it } from 'node:test';
import type { OcmRepository } from '../../src/repository/index.js';
import { AliasConflictError, signComponentVersion } from '../../src/repository/index.js';
import { getAliasHistory, type HistoryEntry } from '../../src/stages/history/index.js';
import { checkPlainMoves, PolicyError, setStagePolicy } from '../../src/stages/policy/index.js';
import { planPromotion, promote, promoteAll } from '../../src/stages/promote.js';
import { COMPONENT, descriptor } from '../support/descriptors.js';
import { stagesDocument } from '../support/stages.js';

export interface StoryBackend {
  /** Opens a fresh repository whose history stamps events with `now()`. */
  open(now: () => Date): Promise<{ repository: OcmRepository; close(): Promise<void> }>;
}

const hour = 3_600_000;
const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const publicPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
const privatePem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();

export const storyDocument = stagesDocument({ publicKeyPem: publicPem });

async function refusal(p: Promise<unknown>): Promise<PolicyError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof PolicyError, `expected PolicyError, got ${err}`);
    assert.equal(err.code, 'POLICY_REFUSED');
    return err;
  }
  assert.fail('the promotion was not refused');
}

export function promotionStory(label: string, backend: StoryBackend): void {
  it(`${label}: the release story through the gates, as a release log`, async () => {
    let now = new Date('2026-06-01T09:00:00Z');
    const clock = () => now;
    const advance = (ms: number) => {
      now = new Date(now.getTime() + ms);
    };
    const { repository: repo, close } = await backend.open(clock);
    try {
      for (const v of ['1.0.0', '1.1.0', '1.2.0']) await repo.addComponentVersion(descriptor(v));
      await setStagePolicy(repo, COMPONENT, storyDocument, { message: 'release rules', actor: 'lead' });
      const at = (alias: string) => repo.resolveComponentVersion(COMPONENT, alias).then((r) => r.version);
      const opts = { now: clock, actor: 'ci' };

      // dev -> staging: only the from gate.
      await repo.addComponentVersionAlias(COMPONENT, '1.0.0', 'dev', { actor: 'dev-bot' });
      advance(hour);
      const toStaging = await promote(repo, COMPONENT, { ...opts, to: 'staging', message: 'qa starts' });
      assert.equal(toStaging.status, 'promoted');
      assert.deepEqual(
        toStaging.plan.gates.map((g) => `${g.gate}:${g.result}`),
        ['from:pass'],
      );

      // staging -> prod an hour later: soak refused with the time left, and the signature is missing.
      advance(hour);
      const early = await refusal(promote(repo, COMPONENT, { ...opts, to: 'prod' }));
      const soak = early.refused.find((g) => g.gate === 'soak')!;
      assert.match(soak.detail, /^in staging for 1h of 24h: 23h left \(passes at 2026-06-02T10:00:00Z\)$/);
      assert.ok(early.refused.some((g) => g.gate === 'signatures' && g.signature === 'release'));
      await assert.rejects(repo.resolveComponentVersion(COMPONENT, 'prod'));

      // A day later the soak has passed; the signature is still missing.
      advance(24 * hour);
      const unsigned = await refusal(promote(repo, COMPONENT, { ...opts, to: 'prod' }));
      assert.deepEqual(
        unsigned.refused.map((g) => g.gate),
        ['signatures'],
      );
      assert.match(unsigned.refused[0]!.detail, /^release: no signature "release"/);

      // Signing moves staging (and dev) to the signed manifest; the soak still counts from the promotion.
      advance(hour);
      await signComponentVersion(repo, COMPONENT, '1.0.0', { name: 'release', privateKey: privatePem });
      const first = await promote(repo, COMPONENT, { ...opts, to: 'prod', message: 'first release' });
      assert.equal(first.status, 'promoted');
      assert.ok(first.plan.gates.every((g) => g.result === 'pass'));
      assert.match(
        first.plan.gates.find((g) => g.gate === 'soak')!.detail,
        /^in staging for 1d2h \(soak 24h\)/,
      );
      assert.equal(await at('prod'), '1.0.0');
      assert.equal((await promote(repo, COMPONENT, { ...opts, to: 'prod' })).status, 'unchanged');

      // A plain tag onto prod is refused; --force is allowed and marked.
      await assert.rejects(checkPlainMoves(repo, COMPONENT, ['dev', 'prod']), PolicyError);
      assert.equal((await checkPlainMoves(repo, COMPONENT, ['dev'])).size, 0);
      assert.deepEqual(
        (await checkPlainMoves(repo, COMPONENT, ['prod'], { force: true })).get('prod')?.forced,
        true,
      );

      // 1.1.0 through every stage, then the year-end freeze stops 1.2.0.
      await signComponentVersion(repo, COMPONENT, '1.1.0', { name: 'release', privateKey: privatePem });
      await repo.addComponentVersionAlias(COMPONENT, '1.1.0', 'dev');
      await promote(repo, COMPONENT, { ...opts, to: 'staging' });
      advance(30 * hour);
      assert.equal(
        (await promote(repo, COMPONENT, { ...opts, to: 'prod', message: 'cart' })).status,
        'promoted',
      );
      await signComponentVersion(repo, COMPONENT, '1.2.0', { name: 'release', privateKey: privatePem });
      await repo.addComponentVersionAlias(COMPONENT, '1.2.0', 'dev');
      await promote(repo, COMPONENT, { ...opts, to: 'staging' });
      now = new Date('2026-12-21T10:00:00Z');
      const frozen = await refusal(promote(repo, COMPONENT, { ...opts, to: 'prod' }));
      assert.deepEqual(
        frozen.refused.map((g) => [g.gate, g.detail]),
        [['freeze', 'frozen until 2027-01-04T00:00:00Z: year-end freeze']],
      );
      assert.equal(await at('prod'), '1.1.0');

      // After the freeze, staging goes back to 1.0.0; prod may not follow backwards unless allowed.
      now = new Date('2027-01-05T10:00:00Z');
      await repo.addComponentVersionAlias(COMPONENT, '1.0.0', 'dev');
      await promote(repo, COMPONENT, { ...opts, to: 'staging', message: 'back to the known good one' });
      advance(25 * hour);
      const back = await refusal(promote(repo, COMPONENT, { ...opts, to: 'prod' }));
      assert.deepEqual(
        back.refused.map((g) => [g.gate, g.detail]),
        [['forwardOnly', "1.0.0 is lower than prod's 1.1.0 (pass --allow-downgrade to go back)"]],
      );
      const down = await promote(repo, COMPONENT, {
        ...opts,
        to: 'prod',
        allowDowngrade: true,
        message: 'rollback',
      });
      assert.equal(down.status, 'promoted');
      assert.equal(await at('prod'), '1.0.0');

      // Two promoters plan against the same prod; the first wins, the stale plan changes nothing.
      await repo.addComponentVersionAlias(COMPONENT, '1.2.0', 'dev');
      await promote(repo, COMPONENT, { ...opts, to: 'staging' });
      advance(25 * hour);
      const alice = await planPromotion(repo, COMPONENT, { ...opts, to: 'prod' });
      const bob = await planPromotion(repo, COMPONENT, { ...opts, to: 'prod' });
      assert.equal(alice.status, 'ready');
      assert.equal(
        (await promote(repo, COMPONENT, { ...opts, plan: alice, to: 'prod', actor: 'alice' })).status,
        'promoted',
      );
      const before = await getAliasHistory(repo, COMPONENT, { reconcile: false });
      await assert.rejects(
        promote(repo, COMPONENT, { ...opts, plan: bob, to: 'prod', actor: 'bob' }),
        AliasConflictError,
      );
      assert.equal(await at('prod'), '1.2.0');
      assert.equal((await getAliasHistory(repo, COMPONENT, { reconcile: false })).length, before.length);

      // The history reads as a release log.
      const log = (await getAliasHistory(repo, COMPONENT)).reverse() as HistoryEntry[];
      const prodLog = log.filter((e) => e.alias === 'prod');
      assert.deepEqual(
        prodLog.map((e) => [e.operation, e.from?.version ?? null, e.to?.version ?? null, e.message]),
        [
          ['promote', null, '1.0.0', 'first release'],
          ['promote', '1.0.0', '1.1.0', 'cart'],
          ['promote', '1.1.0', '1.0.0', 'rollback'],
          ['promote', '1.0.0', '1.2.0', null],
        ],
      );
      const policy = log.find((e) => e.operation === 'policy')!;
      assert.equal(policy.actor, 'lead');
      assert.match(
        String(
          policy.operation === 'policy' && (policy as { details?: { document?: string } }).details?.document,
        ),
        /^sha256:/,
      );
      const promoted = prodLog.find((e) => e.operation === 'promote')! as {
        details?: { gates?: { gate: string }[] };
      };
      assert.deepEqual(
        promoted.details?.gates?.map((g) => g.gate),
        ['from', 'soak', 'signatures', 'forwardOnly', 'freeze'],
      );
      assert.equal(prodLog.at(-1)!.actor, 'alice');
    } finally {
      await close();
    }
  });

  it(`${label}: --all over 20 components, some ahead, some not, some refused`, async () => {
    let now = new Date('2026-06-01T09:00:00Z');
    const clock = () => now;
    const { repository: repo, close } = await backend.open(clock);
    try {
      const noGates = 'stages:\n  - name: dev\n  - name: staging\n    from: dev\n';
      const soaked = `${noGates}  - name: prod\n    from: staging\n    soak: 24h\n`;
      const names = Array.from(
        { length: 20 },
        (_, i) => `example.com/fleet/app${String(i).padStart(2, '0')}`,
      );
      for (const [i, name] of names.entries()) {
        await repo.addComponentVersion(descriptor('1.0.0', { name }));
        await repo.addComponentVersion(descriptor('1.1.0', { name }));
        if (i === 19) continue; // no stages document: skipped
        await setStagePolicy(repo, name, i < 5 ? soaked : noGates);
        await repo.addComponentVersionAlias(name, i % 2 === 0 ? '1.1.0' : '1.0.0', 'dev');
        if (i % 4 !== 3) await promote(repo, name, { to: 'staging', now: clock });
      }
      now = new Date(now.getTime() + hour);
      // app03, app07, ... have no staging yet: their dev is ahead. Even ones moved dev to 1.1.0 first.
      const outcomes = await promoteAll(repo, { to: 'staging', now: clock });
      assert.equal(outcomes.length, 20);
      const by = Object.fromEntries(outcomes.map((o) => [o.component.slice(-5), o.outcome]));
      assert.equal(by.app19, 'skipped');
      for (const i of [3, 7, 11, 15])
        assert.equal(by[`app${String(i).padStart(2, '0')}`], 'promoted', `app${i}`);
      assert.equal(outcomes.filter((o) => o.outcome === 'up to date').length, 15);

      // prod exists only for app00-app04: their staging has not soaked; a day later it has.
      const early = await promoteAll(repo, { to: 'prod', now: clock });
      assert.deepEqual(
        early.filter((o) => o.outcome === 'refused').map((o) => o.component.slice(-5)),
        ['app00', 'app01', 'app02', 'app03', 'app04'],
      );
      assert.equal(early.filter((o) => o.outcome === 'skipped').length, 15);
      assert.match(early[0]!.detail, /^soak: in staging for 1h of 24h: 23h left/);
      now = new Date(now.getTime() + 24 * hour);
      // Move app02's staging on meanwhile: it is refused for its soak while the others go.
      await repo.addComponentVersionAlias(names[2]!, '1.0.0', 'dev');
      await promote(repo, names[2]!, { to: 'staging', now: clock, allowDowngrade: true });
      const later = await promoteAll(repo, { to: 'prod', now: clock });
      assert.deepEqual(
        later.filter((o) => o.outcome === 'promoted').map((o) => o.component.slice(-5)),
        ['app00', 'app01', 'app03', 'app04'],
      );
      assert.equal(later.find((o) => o.component === names[2])!.outcome, 'refused');
      const again = await promoteAll(repo, { to: 'prod', now: clock, components: [names[0]!, names[1]!] });
      assert.deepEqual(
        again.map((o) => o.outcome),
        ['up to date', 'up to date'],
      );
    } finally {
      await close();
    }
  });
}
