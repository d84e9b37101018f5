/**
 * The board shows each stage's evidence: the version staging holds, against prod's checks and
 * approvals (✓ e2e, 1/2 approvals), in `/api/board` and in the page (Chromium); a failed check shows ✗.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type OpenedRepository, openRepository } from '../../src/open.js';
import { approve, attest } from '../../src/stages/evidence/evidence.js';
import { setStagePolicy } from '../../src/stages/policy/index.js';
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

describe('stage board: evidence marks (chromium)', () => {
  let dir: { path: string; remove: () => Promise<void> };
  let opened: OpenedRepository;
  let browser: Browser;
  before(async () => {
    dir = await tempDir();
    opened = await openRepository(join(dir.path, 'ctf'), { create: true });
    const r = opened.repository;
    for (const v of ['1.0.0', '1.1.0']) await r.addComponentVersion(descriptor(v));
    await setStagePolicy(
      r,
      C,
      evidenceStagesDocument(Object.fromEntries(Object.entries(keys).map(([n, k]) => [n, k.publicPem]))),
    );
    await r.addComponentVersionAlias(C, '1.1.0', 'dev');
    await r.addComponentVersionAlias(C, '1.1.0', 'staging', { force: true });
    await attest(
      r,
      C,
      'staging',
      { check: 'e2e', result: 'passed', stage: 'staging' },
      { key: keys.ci.privatePem },
    );
    await approve(r, C, 'staging', { stage: 'prod' }, { key: keys.alice.privatePem });
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await opened?.close();
    await dir?.remove();
  });

  it('a cell shows ✓ e2e and 1/2 approvals for the stage it feeds; a later failure shows ✗ e2e', async () => {
    const board = await startBoard([{ label: './ctf', repository: opened.repository }], { interval: 200 });
    const page = await browser.context.newPage();
    try {
      const api = (await (await fetch(`${board.url}api/board`)).json()) as {
        components: { stages: Record<string, { evidence?: unknown }> }[];
      };
      const staging = api.components[0]!.stages.staging!;
      assert.deepEqual(staging.evidence, [
        {
          stage: 'prod',
          checks: [{ name: 'e2e', result: 'PASSED' }],
          approvals: { have: 1, need: 2, by: ['alice'] },
        },
      ]);
      assert.equal(
        api.components[0]!.stages.dev!.evidence,
        undefined,
        'no stage dev feeds asks for evidence',
      );
      await page.goto(board.url);
      const cell = page.locator(`[data-component="${C}"][data-stage="staging"]`);
      await cell.getByText('✓ e2e').waitFor({ timeout: 10_000 });
      assert.match((await cell.textContent()) ?? '', /1\/2 approvals/);

      await attest(
        opened.repository,
        C,
        'staging',
        { check: 'e2e', result: 'failed', stage: 'staging' },
        {
          key: keys.ci.privatePem,
        },
      );
      // Rows are kept until a move; new evidence is no move (the live feed follows aliases).
      board.reader.invalidate();
      await page.reload();
      await cell.getByText('✗ e2e').waitFor({ timeout: 10_000 });
    } finally {
      await page.close();
      await board.close();
    }
  });
});
