/**
 * The `movers` gate (docs/stages.md): a stage with `movers` is moved by promotions signed by one of
 * them, and feeds a promotion only when the move that put it where it is was signed by one of them.
 * Unsigned, foreign-signed and forged positions are refused, each naming why.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { CtfStore } from '../../src/ctf/store.js';
import { OcmRepository } from '../../src/repository/index.js';
import {
  HistoryJournal,
  PolicyError,
  planPromotion,
  promote,
  setStagePolicy,
} from '../../src/stages/index.js';
import { COMPONENT as C, descriptor } from '../support/descriptors.js';
import { tempDir } from '../support/tmp.js';

const alice = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const bob = generateKeyPairSync('ed25519');
const mallory = generateKeyPairSync('ec', { namedCurve: 'P-256' });

const pem = (k: KeyObject) =>
  (k.export({ type: 'spki', format: 'pem' }) as string)
    .trim()
    .split('\n')
    .map((l) => `      ${l}`)
    .join('\n');

const document = `trust:
  - name: alice
    publicKey: |
${pem(alice.publicKey)}
  - name: bob
    publicKey: |
${pem(bob.publicKey)}
stages:
  - name: dev
  - name: staging
    from: dev
    movers: [alice]
  - name: prod
    from: staging
    movers: [bob]
`;

async function withRepo(fn: (repo: OcmRepository) => Promise<void>) {
  const dir = await tempDir();
  const store = await CtfStore.open(join(dir.path, 'ctf'), { create: true });
  try {
    const repo = new OcmRepository(store, { journal: new HistoryJournal({ actor: 'ci' }) });
    for (const v of ['1.0.0', '1.1.0']) await repo.addComponentVersion(descriptor(v));
    await setStagePolicy(repo, C, document);
    await repo.addComponentVersionAlias(C, '1.0.0', 'dev');
    await fn(repo);
  } finally {
    await store.close();
    await dir.remove();
  }
}

const moversGates = async (repo: OcmRepository, signingKey?: KeyObject) =>
  (await planPromotion(repo, C, { to: 'prod', ...(signingKey ? { signingKey } : {}) })).gates.filter(
    (g) => g.gate === 'movers',
  );

describe('movers', () => {
  it('a promotion into a stage with movers must be signed by one of them', () =>
    withRepo(async (repo) => {
      await assert.rejects(promote(repo, C, { to: 'staging' }), (err: unknown) => {
        assert.ok(err instanceof PolicyError);
        assert.match(err.message, /moves of staging must be signed by alice \(--key\)/);
        return true;
      });
      await assert.rejects(
        promote(repo, C, { to: 'staging', signingKey: mallory.privateKey }),
        /none of theirs/,
      );
      const r = await promote(repo, C, { to: 'staging', signingKey: alice.privateKey });
      assert.equal(r.status, 'promoted');
      const gates = await moversGates(repo, bob.privateKey);
      assert.deepEqual(
        gates.map((g) => [g.result, g.detail]),
        [
          ['pass', 'staging was moved there by alice (signed)'],
          ['pass', 'this move is signed by bob'],
        ],
      );
      assert.equal((await promote(repo, C, { to: 'prod', signingKey: bob.privateKey })).status, 'promoted');
    }));

  it('a source stage moved unsigned, or by a key that is not among its movers, cannot feed a promotion', () =>
    withRepo(async (repo) => {
      await promote(repo, C, { to: 'staging', signingKey: alice.privateKey });
      // Moved around the gate by the library, unsigned.
      await repo.addComponentVersionAlias(C, '1.1.0', 'staging', { actor: 'mallory' });
      let [source] = await moversGates(repo, bob.privateKey);
      assert.equal(source!.result, 'refused');
      assert.match(source!.detail, /staging is untrusted: moved there unsigned \(by mallory\)/);
      // Signed, but by bob, who moves prod, not staging.
      await repo.addComponentVersionAlias(C, '1.0.0', 'staging', { signingKey: bob.privateKey });
      [source] = await moversGates(repo, bob.privateKey);
      assert.equal(source!.result, 'refused');
      assert.match(source!.detail, /a key not among its movers/);
      await assert.rejects(promote(repo, C, { to: 'prod', signingKey: bob.privateKey }), PolicyError);
      // Signed by alice again: trusted.
      await repo.addComponentVersionAlias(C, '1.1.0', 'staging', { signingKey: alice.privateKey });
      [source] = await moversGates(repo, bob.privateKey);
      assert.equal(source!.result, 'pass');
    }));

  it('a document naming a mover that is not in trust is refused', () =>
    withRepo(async (repo) => {
      await assert.rejects(
        setStagePolicy(repo, C, document.replace('movers: [bob]', 'movers: [carol]')),
        /stages\[2\]\.movers\[0\].*names no entry of trust: carol/s,
      );
    }));
});
