/**
 * `get cv -r`, `transfer cv -r --lookup` and `verify cv -r` through the CLI, in-process, on CTFs and
 * the real registry; the tree reads the same at every end.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openRepository } from '../../src/open.js';
import { ocm } from '../support/cli.js';
import { addProduct, PRODUCT, svc } from '../support/products.js';
import { startRegistry, type TestRegistry } from '../support/registry.js';
import { tempDir } from '../support/tmp.js';

interface Tree {
  component: string;
  version: string;
  digest: string;
  referenceName?: string;
  repeated?: boolean;
  resolution: { requested: string; kind: string; version: string; digest: string };
  descriptorDigest: { hashAlgorithm: string; normalisationAlgorithm: string; value: string };
  references: Tree[];
}

describe('ocm with component references', () => {
  let reg: TestRegistry;
  let ws: { path: string; remove: () => Promise<void> };
  let run: (...argv: string[]) => ReturnType<typeof ocm>;
  before(async () => {
    reg = await startRegistry('anonymous');
    ws = await tempDir();
    run = (...argv) => ocm(argv, { cwd: ws.path });
    const main = await openRepository(join(ws.path, 'main'), { create: true });
    const lookup = await openRepository(join(ws.path, 'lookup'), { create: true });
    try {
      await addProduct(main.repository, lookup.repository);
      await main.repository.addComponentVersionAlias(PRODUCT, '1.0.0', 'prod');
    } finally {
      await main.close();
      await lookup.close();
    }
  });
  after(async () => {
    await reg?.close();
    await ws?.remove();
  });

  it('get cv -r shows the tree through an alias, indented, and nested in JSON', async () => {
    const r = await run('get', 'cv', `./main//${PRODUCT}:prod`, '-r', '--lookup', './lookup');
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trimEnd().split('\n');
    assert.match(lines[0]!, /^COMPONENT\s+VERSION\s+DIGEST\s+REFERENCE NAME$/);
    assert.deepEqual(
      lines
        .slice(1)
        .map((l) => l.replace(/\s+sha256:[0-9a-f]{64}\s*/, ' | ').replace(/\s+1\.0\.0/, ' 1.0.0')),
      [
        `${PRODUCT} 1.0.0 | `,
        `  ${svc('a')} 1.0.0 | svc-a`,
        `    ${svc('b')} 1.0.0 | svc-b`,
        `  ${svc('b')} 1.0.0 | svc-b (see above)`,
        `  ${svc('c')} 1.0.0 | svc-c`,
      ],
    );
    const j = await run('get', 'cv', `./main//${PRODUCT}:prod`, '-r', '--lookup', './lookup', '-o', 'json');
    const tree = JSON.parse(j.stdout) as Tree;
    assert.equal(tree.version, '1.0.0');
    // Each node: how it resolved (the root through its alias, the parts by version) and its digest.
    assert.deepEqual(tree.resolution, {
      requested: 'prod',
      kind: 'alias',
      version: '1.0.0',
      digest: tree.digest,
    });
    const part = tree.references[0]!;
    assert.deepEqual(part.resolution, {
      requested: '1.0.0',
      kind: 'version',
      version: '1.0.0',
      digest: part.digest,
    });
    for (const node of [tree, part, part.references[0]!]) {
      assert.equal(node.descriptorDigest.normalisationAlgorithm, 'jsonNormalisation/v3');
      assert.match(node.descriptorDigest.value, /^[0-9a-f]{64}$/);
    }
    assert.notEqual(tree.descriptorDigest.value, part.descriptorDigest.value);
    assert.deepEqual(
      tree.references.map((t) => [t.referenceName, t.component, t.references.length, t.repeated ?? false]),
      [
        ['svc-a', svc('a'), 1, false],
        ['svc-b', svc('b'), 0, true],
        ['svc-c', svc('c'), 0, false],
      ],
    );
  });

  it('without --lookup a missing reference fails with its path (exit 1), and --lookup alone is a usage error', async () => {
    const r = await run('get', 'cv', `./main//${PRODUCT}:1.0.0`, '-r');
    assert.equal(r.code, 1);
    assert.match(r.stderr, /example\.com\/shop\/product:1\.0\.0 -> example\.com\/shop\/c:1\.0\.0/);
    assert.match(r.stderr, /--lookup/);
    const u = await run('get', 'cv', `./main//${PRODUCT}:1.0.0`, '--lookup', './lookup');
    assert.equal(u.code, 2);
  });

  it('transfer cv -r CTF -> registry -> CTF: each version once, root aliases only, the same tree at each end', async () => {
    const target = `${reg.host}/cli-refs`;
    const t = await run(
      'transfer',
      'cv',
      `./main//${PRODUCT}:prod`,
      target,
      '-r',
      '--lookup',
      './lookup',
      '--copy-aliases',
    );
    assert.equal(t.code, 0, t.stderr);
    assert.deepEqual(
      t.stdout
        .trimEnd()
        .split('\n')
        .map((l) => l.split(' ').slice(0, 2).join(' ')),
      [
        `${svc('b')}:1.0.0 copied`,
        `${svc('a')}:1.0.0 copied`,
        `${svc('c')}:1.0.0 copied`,
        `${PRODUCT}:1.0.0 copied`,
      ],
    );
    assert.match(t.stdout, /aliases prod/);
    const back = await run('transfer', 'cv', `${target}//${PRODUCT}:1.0.0`, './back', '-r', '--copy-aliases');
    assert.equal(back.code, 0, back.stderr);
    const again = await run('transfer', 'cv', `${target}//${PRODUCT}:1.0.0`, './back', '-r');
    assert.equal((again.stdout.match(/ unchanged /g) ?? []).length, 4, again.stdout);

    const trees = await Promise.all([
      run('get', 'cv', `./main//${PRODUCT}:1.0.0`, '-r', '--lookup', './lookup', '-o', 'json'),
      run('get', 'cv', `${target}//${PRODUCT}:prod`, '-r', '-o', 'json'),
      run('get', 'cv', `./back//${PRODUCT}:prod`, '-r', '-o', 'json'),
    ]);
    for (const tr of trees) assert.equal(tr.code, 0, tr.stderr);
    const [byVersion, ...byAlias] = trees.map((tr) => JSON.parse(tr.stdout) as Tree);
    // The root says how it was asked for (1.0.0 here, prod there); everything else reads the same.
    assert.deepEqual(byVersion!.resolution, {
      ...byAlias[0]!.resolution,
      requested: '1.0.0',
      kind: 'version',
    });
    for (const tree of byAlias) {
      assert.deepEqual(tree.resolution, { ...byVersion!.resolution, requested: 'prod', kind: 'alias' });
      assert.deepEqual({ ...tree, resolution: null }, { ...byVersion!, resolution: null });
    }
    const aliases = await run('get', 'aliases', `./back//${svc('a')}`, '-o', 'json');
    assert.deepEqual(JSON.parse(aliases.stdout), []);
  });

  it('verify cv -r checks every version, and the root signature with a key', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    await writeFile(join(ws.path, 'key.pem'), privateKey.export({ type: 'pkcs8', format: 'pem' }));
    await writeFile(join(ws.path, 'key.pub'), publicKey.export({ type: 'spki', format: 'pem' }));
    const v = await run('verify', 'cv', `./main//${PRODUCT}:prod`, '-r', '--lookup', './lookup');
    assert.equal(v.code, 0, v.stderr);
    assert.equal((v.stdout.match(/ verified$/gm) ?? []).length, 4, v.stdout);
    const s = await run(
      'sign',
      'cv',
      `./back//${PRODUCT}:prod`,
      '--signature',
      'release',
      '--private-key',
      'key.pem',
    );
    assert.equal(s.code, 0, s.stderr);
    const signed = await run('verify', 'cv', `./back//${PRODUCT}:prod`, '-r', '--public-key', 'key.pub');
    assert.equal(signed.code, 0, signed.stderr);
    assert.match(
      signed.stdout,
      /signature release \(RSASSA-PSS\) of example\.com\/shop\/product:1\.0\.0 verified/,
    );
    assert.match(
      signed.stdout,
      new RegExp(`^${PRODUCT.replace(/\./g, '\\.')}\\s+1\\.0\\.0\\s+1\\s+3\\s+verified$`, 'm'),
    );
  });
});
