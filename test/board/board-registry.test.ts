/**
 * The stage board over a real Distribution registry, in chromium: cells and lag marks of several
 * components, a CLI move seen live, a promotion through the page recorded in the history, and what
 * watching costs: one HEAD per stage per interval (counted, with an injected clock), beside one tag
 * list per component and one catalog read for new components and stages.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { type OpenedRepository, openRepository } from '../../src/open.js';
import type { RequestEvent } from '../../src/registry/index.js';
import { setStagePolicy } from '../../src/stages/policy/index.js';
import { ocm } from '../support/cli.js';
import { descriptor } from '../support/descriptors.js';
import { sharedRegistry } from '../support/registry.js';
import { tempDir } from '../support/tmp.js';
import { type Browser, boardRead, launchBrowser, StepClock, startBoard } from './support.js';

const names = ['example.com/fleet/api', 'example.com/fleet/web', 'example.com/fleet/worker'];
const registry = sharedRegistry('anonymous');
let browser: Browser;
let opened: OpenedRepository;
let prefix: string;
let dir: { path: string; remove: () => Promise<void> };

before(async () => {
  const reg = await registry.get();
  dir = await tempDir();
  prefix = `${reg.host}/fleet`;
  opened = await openRepository(prefix, { history: { actor: 'ci' } });
  const r = opened.repository;
  for (const [i, name] of names.entries()) {
    for (const v of ['1.0.0', '1.1.0', '1.2.0']) await r.addComponentVersion(descriptor(v, { name }));
    await r.addComponentVersionAlias(name, '1.2.0', 'dev');
    await r.addComponentVersionAlias(name, i === 0 ? '1.2.0' : '1.1.0', 'staging');
    await r.addComponentVersionAlias(name, '1.0.0', 'prod');
  }
  await setStagePolicy(
    r,
    names[2]!,
    'stages:\n  - name: dev\n  - name: staging\n    from: dev\n  - name: prod\n    from: staging\n',
  );
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await opened?.close();
  await registry.stop();
  await dir?.remove();
});

const version = (page: Page, component: string, stage: string) =>
  page.locator(`td[data-component="${component}"][data-stage="${stage}"] .version`);

describe('stage board on a registry (chromium)', () => {
  it('shows the stages of every component, lag marks, and a CLI move live; promotes through the page', async () => {
    const board = await startBoard([{ label: prefix, repository: opened.repository }], {
      write: true,
      interval: 300,
    });
    const page = await browser.context.newPage();
    try {
      await page.goto(`${board.url}#token=${board.token}`);
      await boardRead(page);
      assert.deepEqual(await page.locator('table#board thead th').allTextContents(), [
        'Component',
        'dev',
        'staging',
        'prod',
      ]);
      assert.equal(await page.locator('table#board tbody tr').count(), 3);
      for (const [i, name] of names.entries()) {
        assert.equal(await version(page, name, 'dev').textContent(), '1.2.0');
        assert.equal(await version(page, name, 'staging').textContent(), i === 0 ? '1.2.0' : '1.1.0');
        assert.equal(await version(page, name, 'prod').textContent(), '1.0.0');
      }
      const lagged = await page
        .locator('td.cell.lag')
        .evaluateAll((tds) =>
          tds.map((td) => `${td.getAttribute('data-component')}:${td.getAttribute('data-stage')}`).sort(),
        );
      assert.deepEqual(lagged, [
        `${names[0]}:prod`,
        `${names[1]}:prod`,
        `${names[1]}:staging`,
        `${names[2]}:prod`,
        `${names[2]}:staging`,
      ]);

      // ocm tag cv on the registry: the page shows it without a reload.
      const cli = await ocm(['tag', 'cv', `${prefix}//${names[1]}:1.2.0`, 'staging'], { cwd: dir.path });
      assert.equal(cli.code, 0, cli.stderr);
      await version(page, names[1]!, 'staging')
        .filter({ hasText: /^1\.2\.0$/ })
        .waitFor({ timeout: 10_000 });
      assert.equal(
        await page.locator(`td[data-component="${names[1]}"][data-stage="staging"].lag`).count(),
        0,
      );

      // Promote worker's staging (from dev) from its page.
      await page.goto(`${board.url}#/c/0/${encodeURIComponent(names[2]!)}`);
      await page.waitForSelector('#move-stage');
      await page.selectOption('#move-stage', 'staging');
      await page.fill('#move-message', 'worker to staging');
      await page.click('text=Plan promotion');
      await page.click('text=Promote staging to 1.2.0');
      await page.waitForSelector('ol.timeline li[data-operation="promote"]');
      assert.match(
        (await page.locator('ol.timeline li[data-operation="promote"]').first().textContent()) ?? '',
        /staging: 1\.1\.0 → 1\.2\.0.*worker to staging/,
      );
      assert.equal((await opened.repository.resolveComponentVersion(names[2]!, 'staging')).version, '1.2.0');
    } finally {
      await page.close();
      await board.close();
    }
  });
});

describe('stage board on a registry: the cost of watching', () => {
  it('one HEAD per stage per interval, one tag list per component, one catalog read', {
    timeout: 120_000,
  }, async () => {
    const requests: RequestEvent[] = [];
    const counted = await openRepository(prefix, {
      history: { actor: 'ci' },
      onRequest: (e) => requests.push(e),
    });
    const clock = new StepClock();
    const board = await startBoard([{ label: prefix, repository: counted.repository }], { clock });
    const page = await browser.context.newPage();
    try {
      await page.goto(board.url);
      await boardRead(page);
      const cells = await page.locator('table#board td.cell:not(.empty)').count();
      assert.equal(cells, names.length * 3);
      // A second load follows the same cells: no second watcher.
      await page.reload();
      await page
        .locator('table#board td.cell:not(.empty)')
        .nth(cells - 1)
        .waitFor();
      // Every cell's watcher and the repository's discovery sleep: the board is read and idle.
      await clock.asleep(cells + 1);
      const path = (e: RequestEvent) => new URL(e.url).pathname;
      for (let interval = 0; interval < 2; interval++) {
        requests.length = 0;
        assert.equal(clock.step(), cells + 1);
        await clock.asleep(cells + 1);
        const heads = requests
          .filter((e) => e.method === 'HEAD')
          .map(path)
          .sort();
        const expected = names
          .flatMap((n) =>
            ['dev', 'staging', 'prod'].map((s) => `/v2/fleet/component-descriptors/${n}/manifests/${s}`),
          )
          .sort();
        assert.deepEqual(heads, expected, 'one HEAD per stage, nothing else looked at twice');
        const gets = requests.filter((e) => e.method === 'GET').map(path);
        assert.deepEqual(
          gets.filter((p) => p.endsWith('/tags/list')).sort(),
          names.map((n) => `/v2/fleet/component-descriptors/${n}/tags/list`).sort(),
          'one tag list per component',
        );
        assert.deepEqual(
          gets.filter((p) => p === '/v2/_catalog'),
          ['/v2/_catalog'],
        );
        assert.equal(
          requests.length,
          heads.length + names.length + 1,
          `nothing else: ${requests.map(path).join(' ')}`,
        );
      }
    } finally {
      await page.close();
      await board.close();
      await counted.close();
    }
  });
});
