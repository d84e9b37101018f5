/**
 * The air-gapped hop, as the README tells it, with the `ocm` command: staging in registry A ->
 * `./handover.tgz` (a stage of A's document that lives in a CTF archive) -> prod in the site's
 * registry C, whose own stages document requires an approval by the site's key. A is stopped before
 * the second step: everything the far side's gates read comes from the archive.
 */
import assert from 'node:assert/strict';
import { stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openRepository } from '../../src/open.js';
import { setStagePolicy } from '../../src/stages/policy/index.js';
import { ocm } from '../support/cli.js';
import { testKey } from '../support/evidence-keys.js';
import { addPart, PRODUCT, svc } from '../support/products.js';
import { startRegistry, type TestRegistry } from '../support/registry.js';
import { tempDir } from '../support/tmp.js';

const site = testKey('ecdsa-p256');
const indent = (pem: string) =>
  pem
    .trim()
    .split('\n')
    .map((l) => `      ${l}\n`)
    .join('');

const connectedSide = `stages:
  - name: staging
  - name: handover
    from: staging
    repository: ./handover.tgz
`;

const siteSide = `trust:
  - name: site
    publicKey: |
${indent(site.publicPem)}stages:
  - name: handover
    repository: ./handover.tgz
  - name: prod
    from: handover
    approvals:
      count: 1
      by: [site]
`;

interface Event {
  alias: string | null;
  operation: string;
  to: { version: string; digest: string } | null;
  details?: Record<string, unknown>;
}

describe('the air-gapped hop: registry -> handover.tgz -> the site registry', () => {
  let a: TestRegistry;
  let c: TestRegistry;
  let dir: Awaited<ReturnType<typeof tempDir>>;
  before(async () => {
    [a, c, dir] = await Promise.all([startRegistry('anonymous'), startRegistry('anonymous'), tempDir()]);
  });
  after(async () => {
    await Promise.all([a?.close(), c?.close(), dir?.remove()]);
  });

  it('hands over with everything the far side needs, and the site promotes from the archive alone', async () => {
    const A = `${a.host}/dev`;
    const C = `${c.host}/site`;
    const run = (...args: string[]) => ocm(args, { cwd: dir.path, env: { OCM_ACTOR: 'operator' } });
    const history = async (ref: string): Promise<Event[]> => {
      const r = await run('get', 'history', ref, '-o', 'json');
      assert.equal(r.code, 0, r.stderr);
      return JSON.parse(r.stdout);
    };
    {
      const { repository, close } = await openRepository(A);
      await addPart(repository, { name: svc('b') });
      await addPart(repository, { name: PRODUCT, refs: { 'svc-b': `${svc('b')}:1.0.0` } });
      await setStagePolicy(repository, PRODUCT, connectedSide);
      await repository.addComponentVersionAlias(PRODUCT, '1.0.0', 'staging');
      await close();
    }
    const digest = async (ref: string) => {
      const r = await run('get', 'cv', ref, '-o', 'json');
      assert.equal(r.code, 0, r.stderr);
      const digest = JSON.parse(r.stdout).resolution.digest as string;
      assert.match(digest, /^sha256:[0-9a-f]{64}$/);
      return digest;
    };
    const inA = await digest(`${A}//${PRODUCT}:1.0.0`);

    // Step 1, connected: promote into the hand-over archive (created by the move).
    const plan = await run('promote', 'cv', `${A}//${PRODUCT}`, '--to', 'handover', '--dry-run');
    assert.equal(plan.code, 0, plan.stderr);
    assert.match(
      plan.stdout,
      /^example\.com\/shop\/product: handover in \.\/handover\.tgz \(new\) -> 1\.0\.0 from staging$/m,
    );
    await assert.rejects(stat(join(dir.path, 'handover.tgz')), /ENOENT/);
    const handover = await run('promote', 'cv', `${A}//${PRODUCT}`, '--to', 'handover', '-m', 'for site 7');
    assert.equal(handover.code, 0, handover.stderr);
    assert.match(
      handover.stdout,
      /^promoted example\.com\/shop\/product:handover in \.\/handover\.tgz -> 1\.0\.0 sha256:/m,
    );
    const archive = `./handover.tgz//${PRODUCT}`;
    assert.equal(await digest(`${archive}:handover`), inA);
    assert.equal(await digest(`./handover.tgz//${svc('b')}:1.0.0`), await digest(`${A}//${svc('b')}:1.0.0`));
    // The rules came along, and the archive's history tells the hand-over.
    const rules = await run('get', 'stages', archive, '-o', 'yaml');
    assert.equal(rules.stdout, connectedSide);
    const [arrived] = await history(archive);
    assert.equal(arrived!.operation, 'promote');
    assert.equal(arrived!.alias, 'handover');
    assert.equal(arrived!.details?.sourceRepository, A);

    // Step 2, at the site, with A gone.
    await a.close();
    await writeFile(join(dir.path, 'site.yaml'), siteSide);
    await writeFile(join(dir.path, 'site.pem'), site.privatePem, { mode: 0o600 });
    const set = await run('set', 'stages', `${C}//${PRODUCT}`, '--file', 'site.yaml');
    assert.equal(set.code, 0, set.stderr);
    const refused = await run('promote', 'cv', `${C}//${PRODUCT}`, '--to', 'prod');
    assert.equal(refused.code, 3, refused.stderr);
    assert.match(refused.stdout, /^approvals +refused +0\/1 approvals: 1 more needed from site$/m);
    assert.equal((await run('get', 'cv', `${C}//${PRODUCT}:1.0.0`)).code, 1, 'nothing reached C');

    // The site approves the version in the archive; then prod moves in C.
    const approved = await run('approve', 'cv', `${archive}:1.0.0`, '--stage', 'prod', '--key', 'site.pem');
    assert.equal(approved.code, 0, approved.stderr);
    const promoted = await run('promote', 'cv', `${C}//${PRODUCT}`, '--to', 'prod');
    assert.equal(promoted.code, 0, promoted.stderr);
    assert.match(
      promoted.stdout,
      /^example\.com\/shop\/product: prod \(new\) -> 1\.0\.0 from handover in \.\/handover\.tgz$/m,
    );
    assert.equal(await digest(`${C}//${PRODUCT}:prod`), inA);
    assert.equal(await digest(`${C}//${svc('b')}:1.0.0`), await digest(`./handover.tgz//${svc('b')}:1.0.0`));
    const inC = await history(`${C}//${PRODUCT}`);
    assert.deepEqual(
      inC.map((e) => `${e.operation}:${e.alias ?? '-'}`),
      ['promote:prod', 'policy:-'],
    );
    assert.equal(inC[0]!.details?.sourceRepository, './handover.tgz');
    const [left] = await history(archive);
    assert.equal(left!.alias, null);
    assert.equal(left!.details?.stage, 'prod');
    assert.equal(left!.details?.repository, C);
    assert.equal(left!.to?.digest, inA);
    // The evidence the site's gate relied on travelled on into C.
    const evidence = await run('get', 'evidence', `${C}//${PRODUCT}:1.0.0`, '-o', 'json');
    assert.equal(evidence.code, 0, evidence.stderr);
    assert.deepEqual(
      JSON.parse(evidence.stdout).items.map((i: Record<string, unknown>) => [
        i.type,
        i.stage,
        i.signer,
        i.verified,
      ]),
      [['approval', 'prod', 'site', 'verified']],
    );
  });
});
