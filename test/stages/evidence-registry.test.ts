/**
 * Evidence on a real CNCF Distribution registry: the story of evidence-story.ts; the cost of listing
 * (counted through the transport hook, cold and with a warm content cache); 4 processes attesting one
 * version at once, over many rounds; a CTF -> registry -> CTF transfer after which the gates pass at
 * the far end; and `docker-registry garbage-collect --delete-untagged`, after which every envelope is
 * still listed and verifies.
 */
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CachingProvider, ContentCache } from '../../src/cache/index.js';
import { openRepository } from '../../src/open.js';
import type { RequestEvent } from '../../src/registry/index.js';
import { OcmRepository, transferComponentVersion } from '../../src/repository/index.js';
import {
  approve,
  attest,
  evidenceSubject,
  listEvidence,
  verifyEvidence,
} from '../../src/stages/evidence/evidence.js';
import { setStagePolicy } from '../../src/stages/policy/index.js';
import { planPromotion, promote } from '../../src/stages/promote.js';
import { COMPONENT as C, descriptor } from '../support/descriptors.js';
import { testKey } from '../support/evidence-keys.js';
import { skopeo, startRegistry, type TestRegistry } from '../support/registry.js';
import { garbageCollect } from '../support/registry-gc.js';
import { tempDir } from '../support/tmp.js';
import { raceAttestations } from './evidence-race.js';
import { evidenceDocument, evidenceStory, storyKeys } from './evidence-story.js';

const ROUNDS = Number(process.env.OCM_EVIDENCE_ROUNDS ?? 5);

describe('evidence on a registry', () => {
  let registry: TestRegistry;
  let dir: { path: string; remove: () => Promise<void> };
  let n = 0;
  before(async () => {
    registry = await startRegistry('anonymous');
    dir = await tempDir();
  });
  after(async () => {
    await registry.close();
    await dir.remove();
  });

  evidenceStory('registry', {
    open: (now) => openRepository(`${registry.host}/story${n++}`, { history: { now } }),
  });

  it('listing costs one tag listing plus one GET per envelope, and no GET per envelope when the cache is warm', async () => {
    const key = testKey('ed25519');
    const prefix = 'counted';
    const writer = new OcmRepository(registry.open(), { prefix });
    await writer.addComponentVersion(descriptor('1.0.0'));
    for (let i = 0; i < 5; i++)
      await attest(writer, C, '1.0.0', { check: `c${i}`, result: 'passed' }, { key: key.privatePem });
    const events: RequestEvent[] = [];
    const cache = new ContentCache({ dir: join(dir.path, 'cache') });
    const reader = new OcmRepository(
      new CachingProvider(registry.open({ onRequest: (e) => events.push(e) }), cache, registry.host),
      { prefix },
    );
    const count = async (fn: () => Promise<unknown>) => {
      const start = events.length;
      await fn();
      return events.slice(start).map((e) => `${e.method} ${e.url}`);
    };
    let subject: Awaited<ReturnType<typeof evidenceSubject>> | undefined;
    const read = await count(async () => {
      subject = await evidenceSubject(reader, C, '1.0.0');
    });
    const cold = await count(async () => {
      const { items } = await listEvidence(reader, C, '1.0.0', { subject: subject! });
      assert.equal(items.length, 5);
    });
    assert.ok(cold.length <= 2 + 5, cold.join('\n'));
    assert.equal(cold.filter((r) => r.includes('/blobs/')).length, 5, cold.join('\n'));
    const warm = await count(async () => {
      const { items } = await listEvidence(reader, C, '1.0.0', { subject: subject! });
      assert.equal(
        verifyEvidence(items, [{ name: 'k', publicKey: key.publicPem }]).filter((i) => i.signer === 'k')
          .length,
        5,
      );
    });
    assert.ok(warm.length <= 2, warm.join('\n'));
    assert.equal(warm.filter((r) => r.includes('/blobs/')).length, 0, warm.join('\n'));
    const whole = await count(() => listEvidence(reader, C, '1.0.0'));
    console.log(
      `# listing 5 envelopes: subject ${read.length} requests (manifest, descriptor); list cold ${cold.length}, warm ${warm.length}; list from the reference, warm: ${whole.length}`,
    );
  });

  it(`4 processes attesting one version at once, ${ROUNDS} rounds: every envelope reported as written is listed`, {
    timeout: 600_000,
  }, async () => {
    const spec = `${registry.host}/race`;
    const { repository, close } = await openRepository(spec);
    try {
      let reported = 0;
      let listed = 0;
      const failed: string[] = [];
      for (let round = 0; round < ROUNDS; round++) {
        const version = `1.0.${round}`;
        await repository.addComponentVersion(descriptor(version));
        const outcome = await raceAttestations(spec, repository, version, 4, 10);
        reported += outcome.reported;
        listed += outcome.listed;
        failed.push(...outcome.failed);
        assert.equal(outcome.listed, outcome.reported);
      }
      console.log(
        `# registry race: ${ROUNDS} rounds x 4 processes x 10 attestations: ${reported} reported written, ${listed} listed, ${reported - listed} lost, ${failed.length} reported failed`,
      );
      assert.deepEqual(failed, []);
      assert.equal(reported, ROUNDS * 40);
    } finally {
      await close();
    }
  });

  it('CTF -> registry -> CTF: the evidence travels and the gates pass at the far end', async () => {
    let now = new Date('2026-06-01T09:00:00Z');
    const clock = () => now;
    const tick = () => {
      now = new Date(now.getTime() + 60_000);
    };
    const k = storyKeys;
    const a = await openRepository(join(dir.path, 'near'), { create: true, history: { now: clock } });
    const reg = await openRepository(`${registry.host}/travel`, { history: { now: clock } });
    const far = await openRepository(join(dir.path, 'far'), { create: true, history: { now: clock } });
    try {
      const near = a.repository;
      await near.addComponentVersion(descriptor('1.1.0'));
      await setStagePolicy(near, C, evidenceDocument);
      await near.addComponentVersionAlias(C, '1.1.0', 'dev');
      await promote(near, C, { to: 'staging', now: clock });
      tick();
      await attest(
        near,
        C,
        'staging',
        { check: 'e2e', result: 'passed', stage: 'staging' },
        { key: k.ci.privatePem, now: clock },
      );
      for (const who of ['alice', 'bob'] as const) {
        tick();
        await approve(near, C, 'staging', { stage: 'prod' }, { key: k[who].privatePem, now: clock });
      }
      const there = await transferComponentVersion(near, reg.repository, C, 'staging', { copyAliases: true });
      assert.equal(there.evidence, 3);
      await a.close();
      const back = await transferComponentVersion(reg.repository, far.repository, C, '1.1.0', {
        evidence: true,
      });
      assert.equal(back.evidence, 3);
      await reg.close();
      // The far side: its own rules (the same document), its own stages; nothing reaches back.
      await setStagePolicy(far.repository, C, evidenceDocument);
      await far.repository.addComponentVersionAlias(C, '1.1.0', 'staging', { force: true });
      tick();
      const plan = await planPromotion(far.repository, C, { to: 'prod', now: clock });
      assert.deepEqual(
        plan.gates.map((g) => `${g.gate}:${g.result}`),
        ['from:pass', 'checks:pass', 'approvals:pass'],
        JSON.stringify(plan.gates),
      );
    } finally {
      await far.close();
    }
  });

  it('survives docker-registry garbage-collect --delete-untagged', { timeout: 300_000 }, async () => {
    const key = testKey('ecdsa-p256');
    const { repository, close } = await openRepository(`${registry.host}/gc`);
    const digests = async () => {
      const { items } = await listEvidence(repository, C, '1.0.0');
      const v = verifyEvidence(items, [{ name: 'k', publicKey: key.publicPem }]);
      assert.ok(v.every((i) => i.verified === 'verified' && i.problem === undefined));
      return v.map((i) => i.digest).sort();
    };
    try {
      await repository.addComponentVersion(descriptor('1.0.0'));
      await attest(repository, C, '1.0.0', { check: 'e2e', result: 'passed' }, { key: key.privatePem });
      await approve(repository, C, '1.0.0', { stage: 'prod' }, { key: key.privatePem });
      await attest(
        repository,
        C,
        '1.0.0',
        { predicateType: 'https://example.com/scan/v1', predicate: { critical: 0 } },
        { key: key.privatePem },
      );
      const before = await digests();
      assert.equal(before.length, 3);
      // A plain OCI client finds it: skopeo lists the tags and syncs every one of them, envelopes included.
      const image = `docker://${registry.host}/gc/component-descriptors/${C}`;
      const tags: string[] = JSON.parse(await skopeo(['list-tags', '--tls-verify=false', image])).Tags;
      assert.equal(tags.filter((t) => t.startsWith('_ocm.att.')).length, 3);
      const synced = join(dir.path, 'synced');
      await skopeo([
        'sync',
        '--all',
        '--src-tls-verify=false',
        '--src',
        'docker',
        '--dest',
        'dir',
        `${registry.host}/gc/component-descriptors/${C}`,
        synced,
      ]);
      const copied = await readdir(synced, { recursive: true });
      for (const d of before)
        assert.ok(
          copied.some((f) => f.endsWith(d.slice(7))),
          `${d} not synced: ${copied.join(' ')}`,
        );
      const gc = await garbageCollect(registry, { deleteUntagged: true });
      assert.deepEqual(await digests(), before, gc.output);
    } finally {
      await close();
    }
  });
});
