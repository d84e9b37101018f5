/**
 * The board's version comparison of a product, in chromium over a CTF: its component references
 * (parts) added, removed and changed (version and digest), and each changed part's own comparison.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { ComponentReference } from '../../src/descriptor/index.js';
import { type OpenedRepository, openRepository } from '../../src/open.js';
import { descriptorDigest } from '../../src/signing/digest-spec.js';
import { descriptor } from '../support/descriptors.js';
import { addPart, PRODUCT, svc } from '../support/products.js';
import { tempDir } from '../support/tmp.js';
import { type Browser, launchBrowser, startBoard } from './support.js';

let dir: { path: string; remove: () => Promise<void> };
let opened: OpenedRepository;
let browser: Browser;
const digests = new Map<string, string>();

/** A reference to a stored part, with the part's normalised digest. */
async function ref(name: string, part: string, version: string): Promise<ComponentReference> {
  const cv = await opened.repository.getComponentVersion(svc(part), version);
  const digest = descriptorDigest(cv.descriptor);
  digests.set(`${part}:${version}`, digest.value);
  return { name, componentName: svc(part), version, digest };
}

before(async () => {
  dir = await tempDir();
  opened = await openRepository(join(dir.path, 'transport-archive'), { create: true });
  const r = opened.repository;
  for (const [name, version] of [
    ['a', '1.0.0'],
    ['a', '1.1.0'],
    ['b', '1.0.0'],
    ['d', '1.0.0'],
  ] as const)
    await addPart(r, { name: svc(name), version });
  const v1 = descriptor('1.0.0', { name: PRODUCT });
  v1.component.componentReferences = [await ref('svc-a', 'a', '1.0.0'), await ref('svc-b', 'b', '1.0.0')];
  await r.addComponentVersion(v1);
  // 1.1.0: svc-a moves to a 1.1.0, svc-b goes, svc-d comes.
  const v2 = descriptor('1.1.0', { name: PRODUCT });
  v2.component.componentReferences = [await ref('svc-a', 'a', '1.1.0'), await ref('svc-d', 'd', '1.0.0')];
  await r.addComponentVersion(v2);
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await opened?.close();
  await dir?.remove();
});

describe('board diff of a product (chromium)', () => {
  it('shows the references added, removed and changed, and the changed part own diff', {
    timeout: 120_000,
  }, async () => {
    const board = await startBoard([{ label: './transport-archive', repository: opened.repository }]);
    const page = await browser.context.newPage();
    try {
      await page.goto(`${board.url}#/c/0/${encodeURIComponent(PRODUCT)}`);
      await page.waitForSelector('#diff-from');
      await page.selectOption('#diff-from', '1.0.0');
      await page.selectOption('#diff-to', '1.1.0');
      await page.click('form[aria-label="Compare versions"] button');
      await page.waitForSelector('#diff table.references');
      const rows = page.locator('#diff > div > .parts > table.references tbody tr');
      assert.deepEqual(
        await rows.evaluateAll((trs) =>
          trs.map((tr) => [...tr.children].map((td) => td.textContent?.replace(/\s+/g, ' ').trim())),
        ),
        [
          [
            'svc-a',
            'changed: version, digest',
            `${svc('a')} 1.0.0 ${digests.get('a:1.0.0')!.slice(0, 12)}…`,
            `${svc('a')} 1.1.0 ${digests.get('a:1.1.0')!.slice(0, 12)}…`,
          ],
          ['svc-b', 'removed', `${svc('b')} 1.0.0 ${digests.get('b:1.0.0')!.slice(0, 12)}…`, ''],
          ['svc-d', 'added', '', `${svc('d')} 1.0.0 ${digests.get('d:1.0.0')!.slice(0, 12)}…`],
        ],
      );
      assert.deepEqual(
        await rows
          .nth(0)
          .locator('code[title]')
          .evaluateAll((cs) => cs.map((c) => c.getAttribute('title'))),
        [digests.get('a:1.0.0'), digests.get('a:1.1.0')],
        'the whole digests, in the titles',
      );
      assert.notEqual(digests.get('a:1.0.0'), digests.get('a:1.1.0'));
      // The changed part, compared in its turn: a's payload differs between 1.0.0 and 1.1.0.
      const part = page.locator(`#diff section.part[data-part="${svc('a')}"]`);
      assert.match((await part.locator('h3').textContent()) ?? '', /svc-a/);
      const payload = await part.locator('table.elements tbody tr').allTextContents();
      assert.equal(payload.length, 1);
      assert.match(payload[0]!, /^resourcepayloadchanged: digest, access/);
      assert.equal(await page.locator('#diff section.part').count(), 1, 'only the changed part is opened');
    } finally {
      await page.close();
      await board.close();
    }
  });
});
