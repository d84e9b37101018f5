/** The `references: present` gate: a product reaches the stage only with every part present and intact. */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import type { DescriptorV2 } from '../../src/descriptor/index.js';
import { openRepository } from '../../src/open.js';
import type { OcmRepository } from '../../src/repository/index.js';
import { PromotionRequestError, setStagePolicy } from '../../src/stages/policy/index.js';
import { planPromotion } from '../../src/stages/promote.js';
import { descriptor } from '../support/descriptors.js';
import { addPart } from '../support/products.js';
import { tempDir } from '../support/tmp.js';

let dir: { path: string; remove: () => Promise<void> };
before(async () => {
  dir = await tempDir();
});
after(() => dir.remove());

const PRODUCT = 'example.com/shop/product';
const PART = 'example.com/shop/cart';

function product(version: string): DescriptorV2 {
  const d = descriptor(version, { name: PRODUCT });
  return {
    ...d,
    component: {
      ...d.component,
      componentReferences: [{ name: 'cart', componentName: PART, version: '1.0.0' }],
    },
  };
}

/** Stores the product 1.0.0 with a stages document whose prod needs its references, and stages it. */
async function stageProduct(repository: OcmRepository): Promise<void> {
  await repository.addComponentVersion(product('1.0.0'));
  await setStagePolicy(
    repository,
    PRODUCT,
    'stages:\n  - name: staging\n  - name: prod\n    from: staging\n    references: present\n',
  );
  await repository.addComponentVersionAlias(PRODUCT, '1.0.0', 'staging');
}

it('refuses a product whose referenced version is missing, passes once it is there', async () => {
  const { repository, close } = await openRepository(join(dir.path, 'ctf'), { create: true });
  try {
    await stageProduct(repository);
    const missing = await planPromotion(repository, PRODUCT, { to: 'prod' });
    assert.equal(missing.status, 'refused');
    const gate = missing.gates.find((g) => g.gate === 'references')!;
    assert.equal(gate.result, 'refused');
    assert.match(gate.detail, /example\.com\/shop\/cart/);

    await repository.addComponentVersion(descriptor('1.0.0', { name: PART }));
    const present = await planPromotion(repository, PRODUCT, { to: 'prod' });
    assert.equal(present.status, 'ready');
    assert.deepEqual(
      present.gates.map((g) => [g.gate, g.result, g.detail]),
      [
        ['from', 'pass', 'staging holds 1.0.0'],
        ['references', 'pass', '1 referenced version present and verified'],
      ],
    );
  } finally {
    await close();
  }
});

it('refuses a product whose referenced version is present but tampered with, naming the part', async () => {
  const ctf = join(dir.path, 'tampered');
  const { repository, close } = await openRepository(ctf, { create: true });
  try {
    await addPart(repository, { name: PART });
    await stageProduct(repository);
    assert.equal((await planPromotion(repository, PRODUCT, { to: 'prod' })).status, 'ready');

    // The part's local blob is altered in the archive: present, no longer intact.
    const part = await repository.getComponentVersion(PART, '1.0.0');
    const access = part.descriptor.component.resources?.[0]?.access as unknown as { localReference: string };
    await writeFile(join(ctf, 'blobs', access.localReference.replace(':', '.')), 'payload of someone else\n');
    const tampered = await planPromotion(repository, PRODUCT, { to: 'prod' });
    assert.equal(tampered.status, 'refused');
    const gate = tampered.gates.find((g) => g.gate === 'references')!;
    assert.equal(gate.result, 'refused');
    assert.match(gate.detail, /example\.com\/shop\/cart:1\.0\.0/);
    assert.ok(gate.detail.includes(access.localReference), gate.detail);
  } finally {
    await close();
  }
});

it('a promotion that names no candidate is a request error, not a refusal; --version is checked against the source', async () => {
  const { repository, close } = await openRepository(join(dir.path, 'ctf'));
  try {
    await assert.rejects(planPromotion(repository, PRODUCT, { to: 'staging' }), PromotionRequestError);
    await assert.rejects(
      planPromotion(repository, PRODUCT, { to: 'prod', version: 'staging' }),
      PromotionRequestError,
    );
    await repository.addComponentVersion(product('1.1.0'));
    const other = await planPromotion(repository, PRODUCT, { to: 'prod', version: '1.1.0' });
    assert.equal(other.status, 'refused');
    assert.equal(other.gates[0]!.detail, 'staging holds 1.0.0, not 1.1.0');
    const direct = await planPromotion(repository, PRODUCT, { to: 'staging', version: '1.1.0' });
    assert.deepEqual([direct.status, direct.gates], ['ready', []]);
  } finally {
    await close();
  }
});
