/**
 * The stage board in a real browser (Debian's chromium through playwright-core) over a CTF: cells,
 * lag marks, live moves from the CLI, the component page (history, versions, diff), markup shown
 * as text, promotion (and the race it loses to a newer move), rollback, the API's refusals, and an
 * axe-core check. With OCM_SCREENSHOTS=1 (`npm run screenshots`) it writes the README's screenshots
 * to docs/img/; a plain test run writes nothing into the tree.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { request } from 'node:http';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { type OpenedRepository, openRepository } from '../../src/open.js';
import { signComponentVersion } from '../../src/repository/index.js';
import { getAliasHistory } from '../../src/stages/history/index.js';
import { setStagePolicy } from '../../src/stages/policy/index.js';
import { ocm } from '../support/cli.js';
import { descriptor, resource } from '../support/descriptors.js';
import { projectRoot } from '../support/paths.js';
import { tempDir } from '../support/tmp.js';
import { type Browser, boardRead, launchBrowser, startBoard } from './support.js';

const CHECKOUT = 'example.com/shop/checkout';
const CART = 'example.com/shop/cart';
const SEARCH = 'example.com/shop/search';
const PAYMENTS = 'example.com/shop/payments';
const MARKUP = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>';
const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const imgDir = join(projectRoot, 'docs/img');
const NEW = 'example.com/shop/late';

/** The README's screenshots, only when asked (`npm run screenshots`). */
async function screenshot(page: Page, name: string, fullPage = false): Promise<void> {
  if (process.env.OCM_SCREENSHOTS !== '1') return;
  await mkdir(imgDir, { recursive: true });
  await page.screenshot({ path: join(imgDir, name), fullPage });
}

/** Console errors, page errors and failed (4xx, 5xx) responses of a page, as they happen. */
function troubles(page: Page): string[] {
  const seen: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') seen.push(`console: ${m.text()}`);
  });
  page.on('response', (r) => {
    if (r.status() >= 400) seen.push(`${r.status()} ${r.url()}`);
  });
  page.on('pageerror', (e) => seen.push(`page error: ${e.message}`));
  return seen;
}

const digest = (c: string) => ({
  hashAlgorithm: 'SHA-256',
  normalisationAlgorithm: 'genericBlobDigest/v1',
  value: c.repeat(64),
});

let dir: { path: string; remove: () => Promise<void> };
let ctf: string;
let opened: OpenedRepository;
let browser: Browser;

before(async () => {
  dir = await tempDir();
  ctf = join(dir.path, 'transport-archive');
  opened = await openRepository(ctf, { create: true, history: { actor: 'release-bot' } });
  const r = opened.repository;
  await r.addComponentVersion(
    descriptor('1.0.0', {
      resources: [
        resource('config', { digest: digest('a') }),
        resource('notes', { digest: digest('b') }),
        resource('chart', { digest: digest('c'), labels: [{ name: 'tier', value: 'gold' }] }),
      ],
    }),
  );
  await r.addComponentVersion(
    descriptor('1.1.0', {
      resources: [
        resource('config', { digest: digest('d') }),
        resource('chart', { digest: digest('c'), labels: [{ name: 'tier', value: MARKUP }] }),
        resource('image', { digest: digest('e') }),
      ],
    }),
  );
  await r.addComponentVersion(descriptor('1.2.0'));
  await r.addComponentVersionAlias(CHECKOUT, '1.0.0', 'prod', { message: 'first release' });
  await r.addComponentVersionAlias(CHECKOUT, '1.1.0', 'staging', { message: MARKUP, actor: '<b>eve</b>' });
  await r.addComponentVersionAlias(CHECKOUT, '1.2.0', 'dev');
  await r.addComponentVersion(descriptor('2.0.0', { name: CART }));
  for (const a of ['dev', 'staging', 'prod']) await r.addComponentVersionAlias(CART, '2.0.0', a);
  // cart is signed, and its prod requires the signature: verified.
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  await signComponentVersion(r, CART, '2.0.0', {
    name: 'release',
    privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
  });
  const pem = (publicKey.export({ type: 'spki', format: 'pem' }) as string)
    .trim()
    .replace(/\n/g, '\n          ');
  await setStagePolicy(
    r,
    CART,
    `stages:\n  - name: dev\n  - name: staging\n    from: dev\n  - name: prod\n    from: staging\n    signatures:\n      - name: release\n        publicKey: |\n          ${pem}\n`,
  );
  for (const v of ['0.8.0', '0.9.0']) await r.addComponentVersion(descriptor(v, { name: SEARCH }));
  await r.addComponentVersionAlias(SEARCH, '0.9.0', 'dev', { details: { forced: true }, message: 'hotfix' });
  await r.addComponentVersionAlias(SEARCH, '0.9.0', 'qa');
  await r.addComponentVersionAlias(SEARCH, '0.8.0', 'canary');
  for (const v of ['3.0.0', '3.1.0']) await r.addComponentVersion(descriptor(v, { name: PAYMENTS }));
  await setStagePolicy(
    r,
    PAYMENTS,
    `stages:\n  - name: dev\n  - name: staging\n    from: dev\n  - name: prod\n    from: staging\n    soak: 1000h\n    signatures:\n      - name: release\n        publicKey: |\n          ${pem}\n`,
  );
  // Gated stages set by hand: forced, as `tag cv --force` would.
  await r.addComponentVersionAlias(PAYMENTS, '3.0.0', 'prod', { force: true });
  await r.addComponentVersionAlias(PAYMENTS, '3.0.0', 'staging', { force: true });
  await r.addComponentVersionAlias(PAYMENTS, '3.1.0', 'dev');
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await opened?.close();
  await dir?.remove();
});

async function open(page: Page, url: string) {
  const dialogs: string[] = [];
  page.on('dialog', (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  await page.goto(url);
  return dialogs;
}

/** Waits (without reloading) until a stage cell shows `version`. */
const waitForCell = (page: Page, component: string, stage: string, version: string) =>
  page
    .locator(`td[data-component="${component}"][data-stage="${stage}"] .version`, {
      hasText: new RegExp(`^${version.replace(/\./g, '\\.')}$`),
    })
    .waitFor({ timeout: 10_000 });

const cellText = (page: Page, component: string, stage: string) =>
  page.locator(`td[data-component="${component}"][data-stage="${stage}"] .version`).textContent();

/** Sends a request with exactly the headers given (Host and Origin included). */
function raw(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: string },
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: options.method ?? 'GET', headers: options.headers ?? {} }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

async function axe(page: Page): Promise<{ id: string; impact: string; nodes: number }[]> {
  await page.evaluate(axeSource);
  const result = await page.evaluate(async () => {
    const r = await (
      globalThis as unknown as {
        axe: { run(o: unknown): Promise<{ violations: { id: string; impact: string; nodes: unknown[] }[] }> };
      }
    ).axe.run({ resultTypes: ['violations'] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.length }));
  });
  return result;
}

describe('stage board on a CTF (chromium)', () => {
  it('shows a row per component and a column per stage, with the right cells and lag marks', async () => {
    const board = await startBoard([{ label: './transport-archive', repository: opened.repository }], {
      interval: 200,
    });
    const page = await browser.context.newPage();
    try {
      const api = JSON.parse(
        (await raw(`${board.url}api/board`, { headers: { host: new URL(board.url).host } })).body,
      );
      assert.deepEqual(api.stages, ['dev', 'qa', 'staging', 'prod', 'canary']);
      const cart = api.components.find((c: { name: string }) => c.name === CART);
      assert.deepEqual(cart.stages.prod.signatures, ['release']);
      assert.equal(cart.stages.prod.verified, true, 'the signature prod requires verifies');
      assert.equal(cart.stages.dev.verified, null, 'dev requires none');
      const payments = api.components.find((c: { name: string }) => c.name === PAYMENTS);
      assert.equal(
        payments.stages.prod.verified,
        false,
        'payments 3.0.0 is unsigned; its prod requires release',
      );
      assert.deepEqual(
        api.components.map((c: { name: string }) => c.name),
        [CART, CHECKOUT, PAYMENTS, SEARCH],
      );
      const checkout = api.components.find((c: { name: string }) => c.name === CHECKOUT);
      assert.deepEqual(Object.keys(checkout.stages).sort(), ['dev', 'prod', 'staging']);
      assert.equal(checkout.stages.prod.version, '1.0.0');
      assert.match(checkout.stages.prod.digest, /^sha256:/);
      const set = (await getAliasHistory(opened.repository, CHECKOUT)).find(
        (e) => e.alias === 'prod' && e.to?.digest === checkout.stages.prod.digest,
      );
      assert.ok(set?.time, 'the history says when prod got its digest');
      assert.equal(checkout.stages.prod.since, set.time, 'since is the time of that event');

      const seen = troubles(page);
      const dialogs = await open(page, board.url);
      await boardRead(page);
      const headers = await page.locator('table#board thead th').allTextContents();
      assert.deepEqual(headers, ['Component', 'dev', 'qa', 'staging', 'prod', 'canary']);
      assert.equal(await cellText(page, CHECKOUT, 'dev'), '1.2.0');
      assert.equal(await cellText(page, CHECKOUT, 'staging'), '1.1.0');
      assert.equal(await cellText(page, CHECKOUT, 'prod'), '1.0.0');
      assert.equal(await cellText(page, SEARCH, 'qa'), '0.9.0');
      assert.equal(await cellText(page, SEARCH, 'canary'), '0.8.0');
      const lagged = await page
        .locator('td.cell.lag')
        .evaluateAll((tds) =>
          tds.map((td) => `${td.getAttribute('data-component')}:${td.getAttribute('data-stage')}`).sort(),
        );
      // checkout: staging < dev, prod < staging; search: canary < qa; cart level; payments staging < dev.
      assert.deepEqual(lagged, [
        `${CHECKOUT}:prod`,
        `${CHECKOUT}:staging`,
        `${PAYMENTS}:staging`,
        `${SEARCH}:canary`,
      ]);
      assert.match(
        (await page.locator(`td[data-component="${CHECKOUT}"][data-stage="staging"]`).textContent()) ?? '',
        /behind dev/,
      );
      assert.equal(await page.locator(`td[data-component="${CART}"][data-stage="qa"].empty`).count(), 1);
      assert.match(
        (await page.locator(`td[data-component="${CART}"][data-stage="prod"]`).textContent()) ?? '',
        /✔ verified/,
      );
      assert.match(
        (await page.locator(`td[data-component="${CART}"][data-stage="dev"]`).textContent()) ?? '',
        /✔ signed/,
      );
      assert.match(
        (await page.locator(`td[data-component="${PAYMENTS}"][data-stage="prod"]`).textContent()) ?? '',
        /✘ not verified/,
      );

      // Filter and sort from the keyboard.
      await page.focus('#filter');
      await page.keyboard.type('search');
      assert.equal(await page.locator('table#board tbody tr:not([hidden])').count(), 1);
      await page.fill('#filter', '');
      await page.selectOption('#sort', 'lag');
      assert.equal(
        await page.locator('table#board tbody tr:not([hidden]) th[scope=row] a').first().textContent(),
        CHECKOUT,
      );
      await page.selectOption('#sort', 'name');

      const violations = await axe(page);
      assert.deepEqual(
        violations.filter((v) => v.impact === 'serious' || v.impact === 'critical'),
        [],
      );
      await screenshot(page, 'board.png');

      // A move made with the CLI appears without a reload.
      const marker = await page.evaluate('window.__marker = 42');
      const moved = await ocm(['tag', 'cv', `${ctf}//${CHECKOUT}:1.1.0`, 'dev'], { cwd: dir.path });
      assert.equal(moved.code, 0, moved.stderr);
      await waitForCell(page, CHECKOUT, 'dev', '1.1.0');
      assert.equal(await page.evaluate('window.__marker'), marker);
      assert.match((await page.locator('#live').textContent()) ?? '', /dev moved to 1\.1\.0/);
      assert.equal(
        await page.locator(`td[data-component="${CHECKOUT}"][data-stage="staging"].lag`).count(),
        0,
        'staging no longer lags dev',
      );

      // A component and a stage that appear after the page loaded show up without a reload.
      await opened.repository.addComponentVersion(descriptor('0.1.0', { name: NEW }));
      await page.locator(`td.empty[data-component="${NEW}"]`).first().waitFor({ timeout: 10_000 });
      await opened.repository.addComponentVersionAlias(NEW, '0.1.0', 'dev');
      await waitForCell(page, NEW, 'dev', '0.1.0');
      await opened.repository.addComponentVersionAlias(CART, '2.0.0', 'hotfix');
      await waitForCell(page, CART, 'hotfix', '2.0.0');
      assert.deepEqual(await page.locator('table#board thead th').allTextContents(), [
        'Component',
        'dev',
        'qa',
        'staging',
        'prod',
        'canary',
        'hotfix',
      ]);
      assert.equal(await page.locator('table#board tbody tr').count(), 5);
      assert.equal(await page.evaluate('window.__marker'), marker, 'no reload');
      assert.deepEqual(dialogs, []);
      assert.deepEqual(seen, [], 'no console error, no failed request');
    } finally {
      await page.close();
      await board.close();
    }
  });

  it('component page: history timeline, versions with aliases, diff; markup shown as text, no script runs', async () => {
    // prod moved around ocm-ts (a bare OCI tag, no history event): an untracked move.
    const store = opened.repository.ociStore(CHECKOUT);
    await store.tag(await store.resolve('1.1.0'), 'prod');
    // search gets a policy whose staging and prod it has not reached: shown, empty.
    await setStagePolicy(
      opened.repository,
      SEARCH,
      'stages:\n  - name: dev\n  - name: qa\n    from: dev\n  - name: staging\n    from: qa\n  - name: prod\n    from: staging\n',
    );
    const event = (await getAliasHistory(opened.repository, SEARCH)).find((e) => e.operation === 'policy');
    const document = event && 'details' in event ? event.details?.document : undefined;
    assert.match(String(document), /^sha256:[0-9a-f]{64}$/);
    const board = await startBoard([{ label: './transport-archive', repository: opened.repository }]);
    const page = await browser.context.newPage();
    const seen = troubles(page);
    try {
      const dialogs = await open(page, `${board.url}#/c/0/${encodeURIComponent(CHECKOUT)}`);
      await page.waitForSelector('ol.timeline li');
      const items = await page.locator('ol.timeline li').allTextContents();
      assert.ok(items.some((t) => t.includes('tag') && t.includes('staging') && t.includes('1.1.0')));
      assert.ok(items.some((t) => t.includes('first release') && t.includes('release-bot')));
      const message = page.locator('ol.timeline li .message', { hasText: '<script>' });
      assert.equal(await message.textContent(), MARKUP, 'the message is shown as text');
      assert.equal(await page.locator('ol.timeline li .actor', { hasText: '<b>eve</b>' }).count(), 1);
      assert.equal(await page.locator('main img, main script, main b').count(), 0, 'no markup was parsed');
      const versions = await page.locator('table#versions tbody tr').allTextContents();
      assert.deepEqual(versions, ['1.2.0', '1.1.0dev, prod, staging', '1.0.0']);
      const untracked = page.locator('ol.timeline li[data-operation="untracked"]');
      assert.match((await untracked.textContent()) ?? '', /untracked prod: 1\.0\.0 → 1\.1\.0.*untracked/);
      assert.equal(await untracked.locator('.tag.untracked').count(), 1);
      // A forced move is marked.
      await page.goto(`${board.url}#/c/0/${encodeURIComponent(SEARCH)}`);
      await page.waitForSelector('ol.timeline li .tag.forced');
      assert.match(
        (await page.locator('ol.timeline li', { has: page.locator('.tag.forced') }).textContent()) ?? '',
        /tag dev: \(none\) → 0\.9\.0.*forced.*hotfix/,
      );
      // The policy event is the stages document it set, with its digest.
      const policy = page.locator('ol.timeline li[data-operation="policy"]');
      assert.match((await policy.textContent()) ?? '', /policy: stages document set sha256:/);
      assert.doesNotMatch((await policy.textContent()) ?? '', /\(none\)|\(removed\)/);
      assert.equal(await policy.locator('code').getAttribute('title'), document);
      // Every stage of the policy, the empty ones too, then the others.
      assert.deepEqual(await page.locator('table#stages thead th').allTextContents(), [
        'dev',
        'qa',
        'staging',
        'prod',
        'canary',
      ]);
      assert.deepEqual(
        await page.locator('table#stages td.empty').evaluateAll((tds) => tds.map((td) => td.dataset.stage)),
        ['staging', 'prod'],
      );
      await page.goto(`${board.url}#/c/0/${encodeURIComponent(CHECKOUT)}`);
      await page.waitForSelector('#diff-from');

      await page.selectOption('#diff-from', '1.0.0');
      await page.selectOption('#diff-to', '1.1.0');
      await page.click('form[aria-label="Compare versions"] button');
      await page.waitForSelector('#diff table.elements');
      const rows = await page
        .locator('#diff table.elements tbody tr')
        .evaluateAll((trs) =>
          trs.map((tr) => `${tr.querySelector('th')?.textContent}:${tr.getAttribute('data-change')}`),
        );
      assert.deepEqual(rows, ['config:changed', 'notes:removed', 'chart:changed', 'image:added']);
      assert.match((await page.locator('#diff table.elements').textContent()) ?? '', /changed: labels/);
      assert.match((await page.locator('#diff table.elements').textContent()) ?? '', /changed: digest/);

      const violations = await axe(page);
      assert.deepEqual(
        violations.filter((v) => v.impact === 'serious' || v.impact === 'critical'),
        [],
      );
      await screenshot(page, 'component.png', true);
      assert.equal(await page.evaluate('window.__pwned'), undefined);
      assert.deepEqual(dialogs, []);
      assert.deepEqual(seen, [], 'no console error, no failed request');
    } finally {
      await page.close();
      await board.close();
    }
  });

  it('with --write and the token: a passing plan promotes; a stale page and a refused gate change nothing', async () => {
    const board = await startBoard([{ label: './transport-archive', repository: opened.repository }], {
      write: true,
    });
    const page = await browser.context.newPage();
    const at = async (alias: string) =>
      (await opened.repository.resolveComponentVersion(PAYMENTS, alias)).version;
    try {
      await open(page, `${board.url}#token=${board.token}`);
      await page.waitForSelector('table#board');
      await page.goto(`${board.url}#/c/0/${encodeURIComponent(PAYMENTS)}`);
      await page.waitForSelector('#move-stage');
      // staging takes from dev: every gate passes.
      await page.selectOption('#move-stage', 'staging');
      await page.fill('#move-message', 'ship it');
      await page.click('text=Plan promotion');
      await page.waitForSelector('table.plan');
      assert.match((await page.locator('table.plan').textContent()) ?? '', /from\s*pass/);
      await page.click('text=Promote staging to 3.1.0');
      await waitForCell(page, PAYMENTS, 'staging', '3.1.0');
      assert.equal(await at('staging'), '3.1.0');
      await page.waitForSelector('ol.timeline li[data-operation="promote"]');
      assert.match(
        (await page.locator('ol.timeline li[data-operation="promote"]').first().textContent()) ?? '',
        /staging: 3\.0\.0 → 3\.1\.0.*ship it/,
      );

      // prod needs 1000h in staging: refused, with the reason, nothing moves.
      await page.selectOption('#move-stage', 'prod');
      await page.click('text=Plan promotion');
      await page.waitForSelector('table.plan');
      assert.match((await page.locator('table.plan').textContent()) ?? '', /soak\s*refused/);
      assert.match(
        (await page.locator('.outcome').first().textContent()) ?? '',
        /A gate refuses this promotion/,
      );
      assert.equal(await page.locator('text=Promote prod to').count(), 0);
      const direct = await raw(`${board.url}api/promote`, {
        method: 'POST',
        headers: {
          host: new URL(board.url).host,
          authorization: `Bearer ${board.token}`,
          'content-type': 'application/json',
        },
        body: JSON.stringify({ repository: 0, component: PAYMENTS, stage: 'prod', expect: '3.0.0' }),
      });
      assert.equal(direct.status, 422);
      assert.match(JSON.parse(direct.body).error.message, /soak/);
      assert.equal(await at('prod'), '3.0.0');

      // A stale page (its live updates cut off): staging moves behind its back; the promotion
      // expects what the page saw and is refused.
      const stale = await browser.context.newPage();
      await stale.route('**/api/events', (route) => route.abort());
      await stale.goto(`${board.url}#token=${board.token}`);
      await stale.waitForSelector('table#board');
      await stale.goto(`${board.url}#/c/0/${encodeURIComponent(PAYMENTS)}`);
      await stale.waitForSelector('#move-stage');
      await stale.selectOption('#move-stage', 'staging');
      await stale.selectOption('#move-version', '3.1.0');
      const before = await at('staging');
      await opened.repository.addComponentVersionAlias(PAYMENTS, '3.0.0', 'staging', { force: true }); // the page still shows 3.1.0
      await stale.click('text=Plan promotion');
      await stale.waitForSelector('.refused[role=alert]');
      const shown = (await stale.locator('.refused[role=alert]').first().textContent()) ?? '';
      await stale.close();
      assert.match(shown, /Refused:.*staging points at 3\.0\.0.*not at the expected/);
      assert.match(shown, /stale/);
      assert.notEqual(before, '3.0.0');
      assert.equal(await at('staging'), '3.0.0', 'the newer move stands');
    } finally {
      await page.close();
      await board.close();
    }
  });

  it('a plan made, the stage moves, then Promote: 409 and nothing changes; rollback from the page', async () => {
    const board = await startBoard([{ label: './transport-archive', repository: opened.repository }], {
      write: true,
    });
    const at = async (alias: string) =>
      (await opened.repository.resolveComponentVersion(PAYMENTS, alias)).version;
    await opened.repository.addComponentVersion(descriptor('3.2.0', { name: PAYMENTS }));
    const page = await browser.context.newPage();
    try {
      // The page's live updates cut off, so that it keeps the plan it made on screen.
      await page.route('**/api/events', (route) => route.abort());
      await open(page, `${board.url}#token=${board.token}`);
      await page.waitForSelector('table#board');
      await page.goto(`${board.url}#/c/0/${encodeURIComponent(PAYMENTS)}`);
      await page.waitForSelector('#move-stage');
      assert.equal(await at('staging'), '3.0.0');
      await page.selectOption('#move-stage', 'staging');
      await page.click('text=Plan promotion');
      await page.waitForSelector('text=Promote staging to 3.1.0');
      // The plan is ready; someone moves staging before the click.
      await opened.repository.addComponentVersionAlias(PAYMENTS, '3.2.0', 'staging', {
        message: 'hotfix',
        force: true,
      });
      const answer = page.waitForResponse((r) => r.url().endsWith('/api/promote'));
      await page.click('text=Promote staging to 3.1.0');
      const res = await answer;
      assert.equal(res.status(), 409);
      assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'ALIAS_CONFLICT');
      await page.waitForSelector('.outcome .refused[role=alert]');
      assert.match(
        (await page.locator('.outcome .refused[role=alert]').textContent()) ?? '',
        /Refused:.*staging points at 3\.2\.0.*stale/,
      );
      assert.equal(await at('staging'), '3.2.0', 'the newer move stands');

      // Roll staging back from a fresh page: to where it was before that move.
      await page.unroute('**/api/events');
      await page.reload();
      await page
        .locator('#stages td[data-stage="staging"] .version', { hasText: /^3\.2\.0$/ })
        .waitFor({ timeout: 10_000 });
      await page.selectOption('#move-stage', 'staging');
      await page.fill('#move-message', 'back out the hotfix');
      const rolled = page.waitForResponse((r) => r.url().endsWith('/api/rollback'));
      await page.click('button:has-text("Roll back")');
      assert.equal((await rolled).status(), 200);
      await page.waitForSelector('ol.timeline li[data-operation="rollback"]');
      assert.match(
        (await page.locator('ol.timeline li[data-operation="rollback"]').first().textContent()) ?? '',
        /rollback staging: 3\.2\.0 → 3\.0\.0.*back out the hotfix/,
      );
      await page
        .locator('td[data-stage="staging"] .version', { hasText: /^3\.0\.0$/ })
        .waitFor({ timeout: 10_000 });
      assert.equal(await at('staging'), '3.0.0');
    } finally {
      await page.close();
      await board.close();
    }
  });

  it('refuses writes without --write, with a wrong token, from a foreign Origin, and for a foreign Host', async () => {
    const readOnly = await startBoard([{ label: './transport-archive', repository: opened.repository }]);
    const writable = await startBoard([{ label: './transport-archive', repository: opened.repository }], {
      write: true,
    });
    const body = JSON.stringify({ repository: 0, component: PAYMENTS, stage: 'staging', expect: 'absent' });
    const prodBefore = await opened.repository.resolveComponentVersion(PAYMENTS, 'staging');
    try {
      const post = (url: string, headers: Record<string, string>) =>
        raw(`${url}api/promote`, {
          method: 'POST',
          headers: { host: new URL(url).host, 'content-type': 'application/json', ...headers },
          body,
        });
      const r1 = await post(readOnly.url, { authorization: `Bearer ${readOnly.token}` });
      assert.equal(r1.status, 403);
      assert.equal(JSON.parse(r1.body).error.code, 'BOARD_READ_ONLY');
      const r2 = await post(writable.url, { authorization: 'Bearer wrong-token' });
      assert.equal(r2.status, 403);
      assert.equal(JSON.parse(r2.body).error.code, 'BOARD_TOKEN');
      const r3 = await post(writable.url, {
        authorization: `Bearer ${writable.token}`,
        origin: 'http://evil.example',
      });
      assert.equal(r3.status, 403);
      assert.match(JSON.parse(r3.body).error.message, /Origin/);
      const r4 = await raw(`${writable.url}api/board`, {
        headers: { host: `evil.example:${writable.port}` },
      });
      assert.equal(r4.status, 403, 'DNS rebinding: a foreign Host is refused');
      const r5 = await raw(`${writable.url}api/board`, {
        headers: { host: new URL(writable.url).host, origin: 'http://localhost:1' },
      });
      assert.equal(r5.status, 403);
      const r6 = await post(writable.url, {});
      assert.equal(r6.status, 403);
      const after = await opened.repository.resolveComponentVersion(PAYMENTS, 'staging');
      assert.equal(after.digest, prodBefore.digest, 'nothing changed');
      // The page itself: headers that forbid inline scripts and framing.
      const home = await raw(readOnly.url, { headers: { host: new URL(readOnly.url).host } });
      assert.equal(home.status, 200);
      assert.doesNotMatch(home.body, /<script>|<script [^>]*>[^<]/, 'no inline script in the page');
    } finally {
      await readOnly.close();
      await writable.close();
    }
  });
});
