/**
 * What the board tells about trust (issue 19), in chromium over a CTF: a promotion refused for
 * missing evidence shows its refused checks and approvals gates in the page's plan (and the API
 * refuses it, changing nothing); the component page lists each staged version's evidence envelopes
 * with their signers, verified against the stages document's trust; a stage cell says whether the
 * move that put the stage there was signed by one of its movers, or is untrusted.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type OpenedRepository, openRepository } from '../../src/open.js';
import { approve, attest } from '../../src/stages/evidence/evidence.js';
import { setStagePolicy } from '../../src/stages/policy/index.js';
import { promote } from '../../src/stages/promote.js';
import { COMPONENT as C, descriptor } from '../support/descriptors.js';
import { evidenceStagesDocument, testKey } from '../support/evidence-keys.js';
import { tempDir } from '../support/tmp.js';
import { type Browser, launchBrowser, startBoard } from './support.js';

const keys = {
  ci: testKey('ecdsa-p256'),
  alice: testKey('ed25519'),
  bob: testKey('rsa'),
  carol: testKey('ed25519'),
};
/** Not in the document's trust. */
const mallory = testKey('ed25519');

/** prod needs a passing e2e in staging (signed by ci) and 2 approvals of alice, bob, carol; staging's movers: alice. */
const document = evidenceStagesDocument(
  Object.fromEntries(Object.entries(keys).map(([n, k]) => [n, k.publicPem])),
  ['alice'],
);

describe('stage board: trust (chromium)', () => {
  let dir: { path: string; remove: () => Promise<void> };
  let opened: OpenedRepository;
  let browser: Browser;
  before(async () => {
    dir = await tempDir();
    opened = await openRepository(join(dir.path, 'ctf'), { create: true, history: { actor: 'ci' } });
    const r = opened.repository;
    for (const v of ['1.0.0', '1.1.0']) await r.addComponentVersion(descriptor(v));
    await r.addComponentVersionAlias(C, '1.1.0', 'dev');
    await setStagePolicy(r, C, document);
    await promote(r, C, { to: 'staging', signingKey: keys.alice.privateKey });
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await opened?.close();
    await dir?.remove();
  });

  it('a promotion refused for missing evidence: the refused gates show in the plan, nothing moves', async () => {
    const board = await startBoard([{ label: './ctf', repository: opened.repository }], { write: true });
    const page = await browser.context.newPage();
    try {
      await page.goto(`${board.url}#token=${board.token}`);
      await page.goto(`${board.url}#/c/0/${encodeURIComponent(C)}`);
      await page.waitForSelector('#move-stage');
      await page.selectOption('#move-stage', 'prod');
      await page.click('text=Plan promotion');
      await page.locator('table.plan').waitFor();
      const rows = await page
        .locator('table.plan tbody tr')
        .evaluateAll((trs) => trs.map((tr) => [...tr.children].map((c) => c.textContent ?? '')));
      const refused = rows.filter((r) => r[1] === 'refused');
      assert.deepEqual(
        refused.map((r) => r[0]),
        ['checks (e2e)', 'approvals'],
      );
      assert.match(refused[0]![2]!, /e2e: no result in staging signed by ci/);
      assert.match(refused[1]![2]!, /0\/2 approvals: 2 more needed from alice, bob, carol/);
      assert.match(
        (await page.locator('section[aria-labelledby="move-h"] .outcome').textContent()) ?? '',
        /A gate refuses this promotion; nothing was changed/,
      );
      assert.equal(await page.locator('text=Promote prod to').count(), 0, 'no promote button');

      // The API refuses it too, naming the evidence gates, and prod stays unset.
      const res = await fetch(`${board.url}api/promote`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${board.token}` },
        body: JSON.stringify({ repository: 0, component: C, stage: 'prod', expect: 'absent' }),
      });
      assert.equal(res.status, 422);
      const body = (await res.json()) as { error: { details: { refused: { gate: string }[] } } };
      assert.deepEqual(
        body.error.details.refused.map((g) => g.gate),
        ['checks', 'approvals'],
      );
      const aliases = await opened.repository.listComponentVersionAliases(C);
      assert.equal(
        aliases.find((a) => a.alias === 'prod'),
        undefined,
      );
    } finally {
      await page.close();
      await board.close();
    }
  });

  it("the component page lists each staged version's evidence with its signers, verified against trust", async () => {
    const r = opened.repository;
    await attest(
      r,
      C,
      'staging',
      { check: 'e2e', result: 'passed', stage: 'staging' },
      { key: keys.ci.privatePem },
    );
    await approve(r, C, 'staging', { stage: 'prod' }, { key: keys.alice.privatePem });
    await approve(r, C, 'staging', { stage: 'prod' }, { key: mallory.privatePem });
    const board = await startBoard([{ label: './ctf', repository: opened.repository }]);
    const page = await browser.context.newPage();
    try {
      await page.goto(`${board.url}#/c/0/${encodeURIComponent(C)}`);
      const table = page.locator('table.evidence[data-version="1.1.0"]');
      await table.waitFor();
      assert.equal(await table.locator('caption').textContent(), '1.1.0 (in dev, staging)');
      const rows = await table
        .locator('tbody tr')
        .evaluateAll((trs) => trs.map((tr) => [...tr.children].slice(0, 5).map((c) => c.textContent ?? '')));
      assert.deepEqual(
        rows.sort(),
        [
          ['approval', 'prod', 'approved', '-', 'unknown key'],
          ['approval', 'prod', 'approved', 'alice', 'verified'],
          ['check', 'e2e (staging)', 'PASSED', 'ci', 'verified'],
        ].sort(),
      );
      assert.equal(await page.locator('table.evidence').count(), 1, 'only versions on a stage');
    } finally {
      await page.close();
      await board.close();
    }
  });

  it('a cell says who moved the stage there: one of its movers (verified), else untrusted, live', async () => {
    const board = await startBoard([{ label: './ctf', repository: opened.repository }], { interval: 200 });
    const page = await browser.context.newPage();
    try {
      await page.goto(board.url);
      const staging = page.locator(`td[data-component="${C}"][data-stage="staging"]`);
      const mark = staging.locator('.mark.move');
      await mark.waitFor();
      assert.equal(await mark.textContent(), '✔ moved by alice');
      assert.equal(await mark.getAttribute('title'), 'moved there by alice (signed, verified)');
      assert.equal(
        await page.locator(`td[data-component="${C}"][data-stage="dev"] .mark.move`).count(),
        0,
        'an unsigned move of a stage without movers: nothing to say',
      );
      // Moved around its movers (forced, unsigned): the cell says it is untrusted.
      await opened.repository.addComponentVersionAlias(C, '1.0.0', 'staging', { force: true });
      await staging.locator('.mark.move', { hasText: '⚠ untrusted move' }).waitFor({ timeout: 10_000 });
      assert.equal(
        await staging.locator('.mark.move').getAttribute('title'),
        'moved there unsigned (by ci); its moves must be signed by alice',
      );
      // Signed by a trusted key that is not one of its movers, then by a key not trusted at all.
      const untrusted = async (version: string, key: typeof mallory, title: string) => {
        await opened.repository.addComponentVersionAlias(C, version, 'staging', {
          force: true,
          signingKey: key.privateKey,
        });
        await staging
          .locator('.version', { hasText: new RegExp(`^${version.replace(/\./g, '\\.')}$`) })
          .waitFor({ timeout: 10_000 });
        assert.equal(await staging.locator('.mark.move').textContent(), '⚠ untrusted move');
        assert.equal(await staging.locator('.mark.move').getAttribute('title'), title);
      };
      await untrusted(
        '1.1.0',
        keys.bob,
        'moved there by bob (signed), who is not one of its movers; its moves must be signed by alice',
      );
      await untrusted(
        '1.0.0',
        mallory,
        'moved there with a key not trusted; its moves must be signed by alice',
      );
    } finally {
      await page.close();
      await board.close();
    }
  });
});
