/**
 * The board across repositories, in chromium: a component's stages document puts prod in another
 * registry (B) and, for a second component, in a CTF directory named relative to the working
 * directory. One row holds A's dev and staging and B's prod; the column head names where prod lives;
 * the lag mark compares across repositories; a move in B, in A and in the CTF shows live; a stage
 * whose repository cannot be opened shows as unavailable with the reason; each other repository is
 * opened once and closed with the board.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { type OpenedRepository, openRepository } from '../../src/open.js';
import { transferComponentVersion } from '../../src/repository/index.js';
import { setStagePolicy } from '../../src/stages/policy/index.js';
import { descriptor } from '../support/descriptors.js';
import { startRegistry, type TestRegistry } from '../support/registry.js';
import { tempDir } from '../support/tmp.js';
import { type Browser, boardRead, launchBrowser, startBoard } from './support.js';

const CHECKOUT = 'example.com/shop/checkout';
const PAYMENTS = 'example.com/shop/payments';
const GONE = 'example.com/shop/gone';
/** prod in B, not set there yet. */
const FRESH = 'example.com/shop/fresh';
/** prod in a hand-over archive that does not exist yet. */
const LATE = 'example.com/shop/late';

let regA: TestRegistry;
let regB: TestRegistry;
let a: OpenedRepository;
let b: OpenedRepository;
let handover: OpenedRepository;
let dir: { path: string; remove: () => Promise<void> };
let browser: Browser;
let B: string;

const stages = (prod: string) =>
  `stages:\n  - name: dev\n  - name: staging\n    from: dev\n  - name: prod\n    from: staging\n    repository: ${JSON.stringify(prod)}\n`;

before(async () => {
  [regA, regB] = await Promise.all([startRegistry('anonymous'), startRegistry('anonymous')]);
  dir = await tempDir();
  B = `${regB.host}/prod`;
  a = await openRepository(`${regA.host}/dev`, { history: { actor: 'ci' } });
  b = await openRepository(B, { history: { actor: 'ops' } });
  handover = await openRepository(join(dir.path, 'handover'), { create: true });
  for (const name of [CHECKOUT, PAYMENTS, GONE, FRESH, LATE])
    for (const v of ['1.0.0', '1.1.0', '1.2.0'])
      await a.repository.addComponentVersion(descriptor(v, { name }));
  for (const name of [CHECKOUT, PAYMENTS, GONE, FRESH, LATE]) {
    await a.repository.addComponentVersionAlias(name, '1.1.0', 'dev');
    await a.repository.addComponentVersionAlias(name, '1.1.0', 'staging');
  }
  // A tag named prod in A, where FRESH's prod does not live: not that stage, never shown as it.
  await a.repository.addComponentVersionAlias(FRESH, '1.2.0', 'prod');
  await setStagePolicy(a.repository, CHECKOUT, stages(B));
  await setStagePolicy(a.repository, FRESH, stages(B));
  await setStagePolicy(a.repository, PAYMENTS, stages('./handover'));
  await writeFile(join(dir.path, 'broken.tgz'), 'not an archive');
  await setStagePolicy(a.repository, GONE, stages('./broken.tgz'));
  await setStagePolicy(a.repository, LATE, stages('./later.tgz'));
  // prod in B and in the hand-over CTF: a plain transfer, then the tag there.
  for (const v of ['1.0.0', '1.1.0']) await transferComponentVersion(a.repository, b.repository, CHECKOUT, v);
  await b.repository.addComponentVersionAlias(CHECKOUT, '1.0.0', 'prod');
  await transferComponentVersion(a.repository, handover.repository, PAYMENTS, '1.1.0');
  await handover.repository.addComponentVersionAlias(PAYMENTS, '1.1.0', 'prod');
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  for (const o of [a, b, handover]) await o?.close();
  await regA?.close();
  await regB?.close();
  await dir?.remove();
});

const at = (page: Page, component: string, stage: string) =>
  page.locator(`td[data-component="${component}"][data-stage="${stage}"]`);

describe('stage board across repositories (chromium, two registries and a CTF)', () => {
  it("one row holds A's and B's stages, the head says where, lag and moves in either show live", {
    timeout: 120_000,
  }, async () => {
    const opened: string[] = [];
    const closed: string[] = [];
    const board = await startBoard([{ label: `${regA.host}/dev`, repository: a.repository }], {
      interval: 200,
      open: async (reference) => {
        const o = await openRepository(reference, { cwd: dir.path, readOnly: true });
        opened.push(reference);
        return {
          repository: o.repository,
          close: async () => {
            closed.push(reference);
            await o.close();
          },
        };
      },
    });
    const page = await browser.context.newPage();
    try {
      const api = (await (await fetch(`${board.url}api/board`)).json()) as {
        components: {
          name: string;
          stages: Record<string, { version: string; repository?: string; lagsBehind: string | null }>;
          elsewhere?: Record<string, string>;
          unavailable?: Record<string, string>;
        }[];
      };
      const row = (n: string) => api.components.find((c) => c.name === n)!;
      assert.deepEqual(row(CHECKOUT).stages.prod, {
        ...row(CHECKOUT).stages.prod,
        version: '1.0.0',
        repository: B,
      });
      assert.equal(row(CHECKOUT).stages.staging!.repository, undefined, 'only stages elsewhere say where');
      assert.equal(row(CHECKOUT).stages.prod!.lagsBehind, 'staging');
      assert.deepEqual(row(PAYMENTS).elsewhere, { prod: './handover' });
      assert.equal(row(PAYMENTS).stages.prod!.version, '1.1.0');
      assert.equal(row(PAYMENTS).stages.prod!.lagsBehind, null);
      assert.equal(row(GONE).stages.prod, undefined);
      assert.match(row(GONE).unavailable!.prod!, /broken\.tgz/);
      assert.equal(row(LATE).stages.prod, undefined);
      assert.equal(row(LATE).unavailable, undefined, 'a hand-over archive not made yet holds nothing');

      await page.goto(board.url);
      await boardRead(page);
      assert.equal(await at(page, CHECKOUT, 'dev').locator('.version').textContent(), '1.1.0');
      assert.equal(await at(page, CHECKOUT, 'staging').locator('.version').textContent(), '1.1.0');
      assert.equal(await at(page, CHECKOUT, 'prod').locator('.version').textContent(), '1.0.0');
      assert.equal(
        await page.locator('table#board thead th', { hasText: 'prod' }).locator('.where').textContent(),
        `./broken.tgz, ./handover, ./later.tgz, ${B}`,
      );
      assert.equal(
        await page.locator('table#board thead th', { hasText: 'staging' }).locator('.where').count(),
        0,
      );
      await at(page, CHECKOUT, 'prod').locator('.mark.lag', { hasText: 'behind staging' }).waitFor();
      assert.equal(await at(page, PAYMENTS, 'prod').locator('.version').textContent(), '1.1.0');
      assert.match((await at(page, GONE, 'prod').textContent()) ?? '', /unavailable.*broken\.tgz/);
      assert.equal(await at(page, LATE, 'prod').textContent(), '—');

      // A move in B shows live: prod catches up, the lag mark goes.
      await b.repository.addComponentVersionAlias(CHECKOUT, '1.1.0', 'prod');
      await at(page, CHECKOUT, 'prod')
        .locator('.version', { hasText: /^1\.1\.0$/ })
        .waitFor({ timeout: 10_000 });
      assert.equal(await at(page, CHECKOUT, 'prod').locator('.mark.lag').count(), 0);
      // A move in A shows live: staging moves on, B's prod lags behind it again.
      await a.repository.addComponentVersionAlias(CHECKOUT, '1.2.0', 'staging', { force: true });
      await at(page, CHECKOUT, 'prod')
        .locator('.mark.lag', { hasText: 'behind staging' })
        .waitFor({ timeout: 10_000 });
      assert.equal(await at(page, CHECKOUT, 'prod').locator('.version').textContent(), '1.1.0');
      // A move in the CTF stage shows live too.
      await transferComponentVersion(a.repository, handover.repository, PAYMENTS, '1.2.0');
      await handover.repository.addComponentVersionAlias(PAYMENTS, '1.2.0', 'prod');
      await at(page, PAYMENTS, 'prod')
        .locator('.version', { hasText: /^1\.2\.0$/ })
        .waitFor({ timeout: 10_000 });

      // A stage elsewhere that is not set there yet: its first move there shows live.
      assert.equal(row(FRESH).stages.prod, undefined);
      assert.equal(row(FRESH).unavailable, undefined, 'not set is not unavailable');
      assert.equal(await at(page, FRESH, 'prod').textContent(), '—');
      await transferComponentVersion(a.repository, b.repository, FRESH, '1.0.0');
      await b.repository.addComponentVersionAlias(FRESH, '1.0.0', 'prod');
      await at(page, FRESH, 'prod')
        .locator('.version', { hasText: /^1\.0\.0$/ })
        .waitFor({ timeout: 10_000 });

      // The component page: A's history, and one line saying where prod lives.
      await page.goto(`${board.url}#/c/0/${encodeURIComponent(CHECKOUT)}`);
      await page.locator('#elsewhere').waitFor();
      assert.equal(
        await page.locator('#elsewhere').textContent(),
        `This history is of this repository; prod lives in ${B} (its moves are in the history there).`,
      );
      assert.equal(
        await page.locator('table#stages thead th', { hasText: 'prod' }).locator('.where').textContent(),
        B,
      );
    } finally {
      await page.close();
      await board.close();
    }
    assert.deepEqual(opened.sort(), [B, './handover'].sort(), 'each other repository opened once');
    assert.deepEqual(closed.sort(), opened, 'and closed with the board');
  });

  it('promotes and rolls back a stage in B from the page, and promotes into a hand-over archive it creates', {
    timeout: 120_000,
  }, async () => {
    const board = await startBoard([{ label: `${regA.host}/dev`, repository: a.repository }], {
      write: true,
      interval: 200,
      open: async (reference, how) => {
        const o = await openRepository(reference, { cwd: dir.path, create: how.create === true });
        return { repository: o.repository, close: () => o.close() };
      },
    });
    const page = await browser.context.newPage();
    const prodIn = async (repository: OpenedRepository['repository'], name: string) =>
      (await repository.resolveComponentVersion(name, 'prod')).version;
    const promoteProd = async (name: string, version: string) => {
      await page.goto(`${board.url}#/c/0/${encodeURIComponent(name)}`);
      // The page of this component, not the one shown before it.
      await page.locator('h1', { hasText: name }).waitFor();
      await page.waitForSelector('#move-stage');
      await page.selectOption('#move-stage', 'prod');
      await page.click('text=Plan promotion');
      await page.locator('table.plan').waitFor();
      await page.click(`text=Promote prod to ${version}`);
      await page
        .locator(`table#stages td[data-stage="prod"] .version`, {
          hasText: new RegExp(`^${version.replace(/\./g, '\\.')}$`),
        })
        .waitFor({ timeout: 20_000 });
    };
    try {
      await page.goto(`${board.url}#token=${board.token}`);
      await boardRead(page);
      assert.equal(await prodIn(b.repository, CHECKOUT), '1.1.0');
      await promoteProd(CHECKOUT, '1.2.0');
      assert.equal(await prodIn(b.repository, CHECKOUT), '1.2.0', 'moved in B');
      assert.equal(
        (await a.repository.listComponentVersionAliases(CHECKOUT)).find((x) => x.alias === 'prod'),
        undefined,
        'nothing named prod in A',
      );
      await page.selectOption('#move-stage', 'prod');
      const rolled = page.waitForResponse((r) => r.url().endsWith('/api/rollback'));
      await page.click('button:has-text("Roll back")');
      assert.equal((await rolled).status(), 200);
      await page
        .locator('table#stages td[data-stage="prod"] .version', { hasText: /^1\.1\.0$/ })
        .waitFor({ timeout: 20_000 });
      assert.equal(await prodIn(b.repository, CHECKOUT), '1.1.0', 'rolled back in B');

      await promoteProd(LATE, '1.1.0');
      const later = await openRepository(join(dir.path, 'later.tgz'));
      try {
        assert.equal(await prodIn(later.repository, LATE), '1.1.0', 'the hand-over archive holds prod');
      } finally {
        await later.close();
      }
    } finally {
      await page.close();
      await board.close();
    }
  });
});
