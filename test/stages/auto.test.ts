/**
 * The automatic promoter (`AutoPromoter`) with an injected clock: nothing sleeps. On a CTF: a soak
 * that ends moves the stage, a failing check blocks it until a passing one arrives, a rollback by
 * hand is held until the source moves, the run loop's waits. On a real Distribution registry: an
 * idle look costs one HEAD per watched stage, and a registry that stops gives `failed` decisions
 * with backoff, then the promoter promotes once it is back.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { versionToTag } from '../../src/descriptor/index.js';
import { openRepository } from '../../src/open.js';
import type { RequestEvent } from '../../src/registry/index.js';
import { OcmRepository } from '../../src/repository/index.js';
import {
  type AutoDecision,
  AutoPromoter,
  attest,
  getAliasHistory,
  HistoryJournal,
  promote,
  rollbackAlias,
  setStagePolicy,
  type WatchClock,
} from '../../src/stages/index.js';
import { COMPONENT as C, descriptor } from '../support/descriptors.js';
import { testKey } from '../support/evidence-keys.js';
import { sharedRegistry, startRegistry } from '../support/registry.js';
import { autoDocument } from '../support/stages.js';
import { tempDir } from '../support/tmp.js';

const minute = 60_000;
const hour = 60 * minute;

/** A clock the test steps; `sleep` records the wait and moves the clock by it. */
function testClock(start = '2026-06-01T09:00:00Z') {
  let now = new Date(start);
  const waits: number[] = [];
  const clock: WatchClock & { advance(ms: number): void; waits: number[] } = {
    now: () => now,
    advance: (ms) => {
      now = new Date(now.getTime() + ms);
    },
    sleep: async (ms) => {
      waits.push(ms);
      now = new Date(now.getTime() + ms);
    },
    waits,
  };
  return clock;
}

const ci = testKey('ecdsa-p256');
/** prod also needs a passing e2e check in staging, signed by ci. */
function checkedDocument(extra = ''): string {
  const trust = `trust:\n  - name: ci\n    publicKey: |\n${ci.publicPem
    .trim()
    .split('\n')
    .map((l) => `      ${l}\n`)
    .join('')}`;
  return autoDocument(
    `${extra}    checks:\n      - name: e2e\n        by: [ci]\n        stage: staging\n`,
    trust,
  );
}

const outcomes = (ds: readonly AutoDecision[]) => ds.map((d) => `${d.component} ${d.outcome}`);

describe('automatic promotion on a CTF (injected clock)', () => {
  let dir: { path: string; remove: () => Promise<void> };
  let n = 0;
  before(async () => {
    dir = await tempDir();
  });
  after(() => dir.remove());

  async function ctf(clock: { now(): Date }, document: string) {
    const opened = await openRepository(join(dir.path, `ctf-${n++}`), {
      create: true,
      history: { now: () => clock.now() },
    });
    const repo = opened.repository;
    for (const v of ['1.0.0', '1.1.0', '1.2.0']) await repo.addComponentVersion(descriptor(v));
    await setStagePolicy(repo, C, document, { actor: 'lead' });
    return { repo, close: () => opened.close() };
  }
  const at = (repo: OcmRepository, alias: string) =>
    repo.resolveComponentVersion(C, alias).then(
      (r) => r.version,
      () => '(absent)',
    );
  const toStaging = async (repo: OcmRepository, version: string, clock: { now(): Date }) => {
    await repo.addComponentVersionAlias(C, version, 'dev', { actor: 'dev-bot' });
    await promote(repo, C, { to: 'staging', now: () => clock.now(), actor: 'qa' });
  };

  it('a soak that ends moves the stage without anyone running a command; a bad component fails alone', async () => {
    const clock = testClock();
    const { repo, close } = await ctf(clock, autoDocument('    soak: 1h\n'));
    try {
      await toStaging(repo, '1.0.0', clock);
      const promoter = new AutoPromoter(repo, {
        to: 'prod',
        components: ['Not A Component', C],
        clock,
        actor: 'auto-bot',
      });
      clock.advance(20 * minute);
      const first = await promoter.look();
      assert.deepEqual(outcomes(first), ['Not A Component failed', `${C} waiting`]);
      assert.match(
        first[1]!.detail,
        /^soak: in staging for 20m of 1h: 40m left .*; plans again at 2026-06-01T10:00:00\.000Z$/,
      );
      assert.equal(await at(repo, 'prod'), '(absent)');

      clock.advance(39 * minute);
      const mine = (ds: AutoDecision[]) => ds.filter((d) => d.component === C);
      assert.deepEqual(mine(await promoter.look()), [], 'before the soak ends: nothing to decide');
      assert.equal(await at(repo, 'prod'), '(absent)');

      clock.advance(2 * minute);
      const done = mine(await promoter.look());
      assert.deepEqual(outcomes(done), [`${C} promoted`]);
      assert.equal(await at(repo, 'prod'), '1.0.0');
      const [event] = await getAliasHistory(repo, C, { alias: 'prod', limit: 1 });
      assert.equal(event?.operation, 'promote');
      assert.equal(event?.actor, 'auto-bot');
      assert.equal(event?.details?.auto, true);
      assert.ok(Array.isArray(event?.details?.gates));
      assert.deepEqual(mine(await promoter.look()), [], 'idle once promoted');
    } finally {
      await close();
    }
  });

  it('a failing check that arrives first blocks it; a passing newer check lets it through', async () => {
    const clock = testClock();
    const { repo, close } = await ctf(clock, checkedDocument('    soak: 1h\n'));
    try {
      await toStaging(repo, '1.1.0', clock);
      const ciWrites = { key: ci.privatePem, now: () => clock.now() };
      clock.advance(minute);
      await attest(repo, C, 'staging', { check: 'e2e', result: 'failed', stage: 'staging' }, ciWrites);
      const promoter = new AutoPromoter(repo, { to: 'prod', components: [C], clock });
      clock.advance(2 * hour);
      const refused = await promoter.look();
      assert.deepEqual(outcomes(refused), [`${C} refused`]);
      assert.match(refused[0]!.detail, /^checks: e2e FAILED .*; waits for new evidence$/);
      assert.equal(refused[0]!.gates?.find((g) => g.gate === 'soak')?.result, 'pass');
      assert.deepEqual(await promoter.look(), [], 'no new evidence: no new plan');
      assert.equal(await at(repo, 'prod'), '(absent)');

      clock.advance(minute);
      await attest(repo, C, 'staging', { check: 'e2e', result: 'passed', stage: 'staging' }, ciWrites);
      const done = await promoter.look();
      assert.deepEqual(outcomes(done), [`${C} promoted`]);
      assert.equal(await at(repo, 'prod'), '1.1.0');
    } finally {
      await close();
    }
  });

  it('does not undo a rollback by hand: held until the source moves, also after a restart', async () => {
    const clock = testClock();
    const { repo, close } = await ctf(clock, autoDocument());
    try {
      await toStaging(repo, '1.0.0', clock);
      const promoter = new AutoPromoter(repo, { to: 'prod', components: [C], clock });
      assert.deepEqual(outcomes(await promoter.look()), [`${C} promoted`]);
      clock.advance(minute);
      await toStaging(repo, '1.1.0', clock);
      clock.advance(minute);
      assert.deepEqual(outcomes(await promoter.look()), [`${C} promoted`]);
      assert.equal(await at(repo, 'prod'), '1.1.0');

      clock.advance(minute);
      await rollbackAlias(repo, C, 'prod', { actor: 'alice', message: '1.1.0 breaks checkout' });
      clock.advance(minute);
      assert.deepEqual(await promoter.look(), [], 'the source did not move: nothing to plan');
      const restarted = new AutoPromoter(repo, { to: 'prod', components: [C], clock });
      const held = await restarted.look();
      assert.deepEqual(outcomes(held), [`${C} held`]);
      assert.match(
        held[0]!.detail,
        /^prod was moved by hand \(rollback by alice at .*\) after staging took what it holds; held until staging moves$/,
      );
      assert.equal(await at(repo, 'prod'), '1.0.0');

      clock.advance(minute);
      await toStaging(repo, '1.2.0', clock);
      clock.advance(minute);
      for (const p of [promoter, restarted]) {
        const again = await p.look();
        assert.equal(again.length, 1);
        assert.ok(['promoted', 'up to date'].includes(again[0]!.outcome), again[0]!.detail);
      }
      assert.equal(await at(repo, 'prod'), '1.2.0');
    } finally {
      await close();
    }
  });

  it('a stage moved around ocm-ts is held until the source is seen to move', async () => {
    const clock = testClock();
    const { repo, close } = await ctf(clock, autoDocument());
    try {
      await toStaging(repo, '1.0.0', clock);
      const promoter = new AutoPromoter(repo, { to: 'prod', components: [C], clock });
      await promoter.look();
      clock.advance(minute);
      await toStaging(repo, '1.1.0', clock);
      assert.deepEqual(outcomes(await promoter.look()), [`${C} promoted`]);
      // Back to 1.0.0 with a plain tag of the store: no history event, the order is unknown.
      const store = repo.ociStore(C);
      await store.tag(await store.resolve(versionToTag('1.0.0')), 'prod');
      const restarted = new AutoPromoter(repo, { to: 'prod', components: [C], clock });
      const held = await restarted.look();
      assert.deepEqual(outcomes(held), [`${C} held`]);
      assert.equal(held[0]!.detail, 'prod was moved around ocm-ts; held until staging moves');
      assert.equal(await at(repo, 'prod'), '1.0.0');
      clock.advance(minute);
      await toStaging(repo, '1.2.0', clock);
      assert.deepEqual(outcomes(await restarted.look()), [`${C} promoted`]);
      assert.equal(await at(repo, 'prod'), '1.2.0');
    } finally {
      await close();
    }
  });

  it('a freeze that ends moves the stage: waiting until the window closes, then promoted', async () => {
    const clock = testClock('2026-12-19T12:00:00Z');
    const freeze =
      '    freeze:\n      - from: 2026-12-20T00:00:00Z\n        until: 2027-01-04T00:00:00Z\n        reason: year-end\n';
    const { repo, close } = await ctf(clock, autoDocument(freeze));
    try {
      clock.advance(13 * hour);
      await toStaging(repo, '1.0.0', clock);
      const promoter = new AutoPromoter(repo, { to: 'prod', components: [C], clock });
      const frozen = await promoter.look();
      assert.deepEqual(outcomes(frozen), [`${C} waiting`]);
      assert.match(frozen[0]!.detail, /^freeze: .*; plans again at 2027-01-04T00:00:00\.000Z$/);
      clock.advance(14 * 24 * hour);
      assert.deepEqual(await promoter.look(), [], 'still frozen on 2027-01-03');
      clock.advance(23 * hour);
      assert.deepEqual(outcomes(await promoter.look()), [`${C} promoted`], 'at the end of the window');
      assert.equal(await at(repo, 'prod'), '1.0.0');
    } finally {
      await close();
    }
  });

  it('run: waits the interval, less when a soak ends sooner, until the signal aborts', async () => {
    const clock = testClock();
    const { repo, close } = await ctf(clock, autoDocument('    soak: 1h\n'));
    try {
      await toStaging(repo, '1.0.0', clock);
      clock.advance(59 * minute + 50_000);
      const stop = new AbortController();
      const seen: AutoDecision[] = [];
      const promoter = new AutoPromoter(repo, {
        to: 'prod',
        components: [C],
        clock,
        interval: 30_000,
        onDecision: (d) => {
          seen.push(d);
          if (d.outcome === 'promoted') stop.abort();
        },
      });
      await promoter.run(stop.signal);
      assert.deepEqual(
        seen.map((d) => d.outcome),
        ['waiting', 'promoted'],
      );
      assert.deepEqual(clock.waits, [10_000], 'woke when the soak ended, not a whole interval later');
    } finally {
      await close();
    }
  });
});

describe('automatic promotion on a registry', () => {
  const registry = sharedRegistry('anonymous');
  after(() => registry.stop());
  let counter = 0;

  function registryRepo(
    store: ReturnType<Awaited<ReturnType<typeof registry.get>>['open']>,
    clock: { now(): Date },
  ) {
    const journal = new HistoryJournal({ now: () => clock.now(), actor: 'test' });
    return new OcmRepository(store, { prefix: `auto${process.pid}x${++counter}`, journal });
  }

  it('an idle promoter over 20 components costs exactly one HEAD of the source stage per component per look', async () => {
    const clock = testClock();
    const events: RequestEvent[] = [];
    const store = (await registry.get()).open({ onRequest: (e) => events.push(e) });
    try {
      const repo = registryRepo(store, clock);
      const names = Array.from({ length: 20 }, (_, i) => `example.com/shop/part${i}`);
      for (const name of names) {
        await repo.addComponentVersion(descriptor('1.0.0', { name }));
        await setStagePolicy(repo, name, autoDocument());
        await repo.addComponentVersionAlias(name, '1.0.0', 'staging');
      }
      const promoter = new AutoPromoter(repo, { to: 'prod', clock });
      const first = await promoter.look();
      assert.equal(first.length, 20);
      assert.ok(first.every((d) => d.outcome === 'promoted'));
      for (let look = 0; look < 3; look++) {
        clock.advance(30_000);
        events.length = 0;
        const started = performance.now();
        assert.deepEqual(await promoter.look(), []);
        const ms = performance.now() - started;
        console.log(`auto: idle look over 20 components: ${events.length} requests, ${ms.toFixed(0)} ms`);
        const shown = events.map((e) => `${e.method} ${e.url}`);
        assert.equal(events.length, 20, shown.join('\n'));
        assert.ok(
          shown.every((s) =>
            /^HEAD .*\/v2\/auto\d+x\d+\/component-descriptors\/example\.com\/shop\/part\d+\/manifests\/staging$/.test(
              s,
            ),
          ),
          shown.join('\n'),
        );
      }
      // One source moves: that component (only) is planned and promoted.
      await repo.addComponentVersion(descriptor('1.1.0', { name: names[7]! }));
      await repo.addComponentVersionAlias(names[7]!, '1.1.0', 'staging');
      clock.advance(30_000);
      assert.deepEqual(outcomes(await promoter.look()), [`${names[7]} promoted`]);
    } finally {
      await store.close();
    }
  });

  it('waiting for evidence costs one HEAD and one tag listing per look; new evidence is seen at the next look', async () => {
    const clock = testClock();
    const events: RequestEvent[] = [];
    const store = (await registry.get()).open({ onRequest: (e) => events.push(e) });
    try {
      const repo = registryRepo(store, clock);
      await repo.addComponentVersion(descriptor('1.0.0'));
      await setStagePolicy(repo, C, checkedDocument());
      await repo.addComponentVersionAlias(C, '1.0.0', 'staging');
      const promoter = new AutoPromoter(repo, { to: 'prod', clock });
      assert.deepEqual(outcomes(await promoter.look()), [`${C} refused`]);
      clock.advance(30_000);
      events.length = 0;
      assert.deepEqual(await promoter.look(), []);
      assert.deepEqual(
        events.map((e) => `${e.method} ${new URL(e.url).pathname.replace(/^\/v2\/auto\d+x\d+\//, '')}`),
        [`HEAD component-descriptors/${C}/manifests/staging`, `GET component-descriptors/${C}/tags/list`],
      );
      await attest(
        repo,
        C,
        'staging',
        { check: 'e2e', result: 'passed', stage: 'staging' },
        { key: ci.privatePem, now: () => clock.now() },
      );
      clock.advance(30_000);
      assert.deepEqual(outcomes(await promoter.look()), [`${C} promoted`]);
    } finally {
      await store.close();
    }
  });

  it('a registry that stops gives failed decisions with a capped backoff; once it is back the promoter promotes', async () => {
    const own = await startRegistry('anonymous');
    const clock = testClock();
    const events: RequestEvent[] = [];
    const store = own.open({ onRequest: (e) => events.push(e), retry: { maxAttempts: 1 } });
    try {
      const repo = registryRepo(store, clock);
      await repo.addComponentVersion(descriptor('1.0.0'));
      await setStagePolicy(repo, C, autoDocument());
      await repo.addComponentVersionAlias(C, '1.0.0', 'staging');
      const promoter = new AutoPromoter(repo, {
        to: 'prod',
        clock,
        interval: 30_000,
        maxBackoff: 120_000,
      });
      await own.stop();
      const retries: number[] = [];
      for (let i = 0; i < 5; i++) {
        const ds = await promoter.look();
        assert.deepEqual(outcomes(ds), ['* failed']);
        assert.match(ds[0]!.error!.code, /^REGISTRY_/);
        retries.push(ds[0]!.retryIn!);
        events.length = 0;
        clock.advance(ds[0]!.retryIn! - 1);
        assert.deepEqual(await promoter.look(), [], 'backing off: no look before the retry is due');
        assert.equal(events.length, 0);
        clock.advance(1);
      }
      assert.deepEqual(retries, [30_000, 60_000, 120_000, 120_000, 120_000]);

      await own.start();
      const listed = await promoter.look();
      assert.deepEqual(outcomes(listed), [`${C} promoted`]);

      // The component fails on its own when the registry goes away again, and recovers.
      await repo.addComponentVersion(descriptor('1.1.0'));
      await repo.addComponentVersionAlias(C, '1.1.0', 'staging');
      await own.stop();
      clock.advance(30_000);
      const failed = await promoter.look();
      assert.deepEqual(outcomes(failed), [`${C} failed`]);
      assert.match(failed[0]!.detail, /store failure; looked at again in 30s/);
      await own.start();
      clock.advance(30_000);
      assert.deepEqual(outcomes(await promoter.look()), [`${C} promoted`]);
      assert.equal((await repo.resolveComponentVersion(C, 'prod')).version, '1.1.0');
    } finally {
      await store.close();
      await own.close();
    }
  });
});
