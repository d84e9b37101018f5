/**
 * Component references on CTFs and the real registry: the walk (each version once, leaves first,
 * lookup repositories), recursive transfer CTF -> registry -> CTF, aliases of the root only, signed
 * products, cycles and missing references (typed, nothing written), and a kill -9 mid-transfer.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { OcmError } from '../../src/errors.js';
import { type OpenedRepository, openRepository } from '../../src/open.js';
import {
  MissingReferenceError,
  ReferenceCycleError,
  type ReferenceNode,
  RepositoryListResolver,
  signComponentVersion,
  transferComponentVersionRecursive,
  verifyComponentVersion,
  verifyComponentVersionTree,
  walkReferences,
} from '../../src/repository/index.js';
import { projectRoot } from '../support/paths.js';
import { addPart, addProduct, PRODUCT, svc } from '../support/products.js';
import { startRegistry, type TestRegistry } from '../support/registry.js';
import { tempDir } from '../support/tmp.js';

/** The tree without the repository handles, for comparing two ends of a transfer. */
function shape(node: ReferenceNode): unknown {
  return {
    component: node.component,
    version: node.version,
    digest: node.digest,
    referenceName: node.referenceName,
    repeated: node.repeated,
    children: node.children.map(shape),
  };
}

async function indexEntries(ctfDir: string): Promise<unknown[]> {
  const index = JSON.parse(await readFile(join(ctfDir, 'artifact-index.json'), 'utf8'));
  return index.artifacts ?? [];
}

/**
 * product -> a, b, c; a -> b (so b is reached along two paths); c lives only in the lookup CTF.
 */
async function product(dir: string): Promise<{ main: OpenedRepository; lookup: OpenedRepository }> {
  const main = await openRepository(join(dir, 'main'), { create: true });
  const lookup = await openRepository(join(dir, 'lookup'), { create: true });
  await addProduct(main.repository, lookup.repository);
  return { main, lookup };
}

describe('component references', () => {
  let reg: TestRegistry;
  let ws: { path: string; remove: () => Promise<void> };
  let main: OpenedRepository;
  let lookup: OpenedRepository;
  before(async () => {
    reg = await startRegistry('anonymous');
    ws = await tempDir();
    ({ main, lookup } = await product(ws.path));
  });
  /** The product from the main CTF (parts also in the lookup CTF) into `target`. */
  const fromMain = (target: OpenedRepository, version = '1.0.0', options: { copyAliases?: boolean } = {}) =>
    transferComponentVersionRecursive(main.repository, target.repository, PRODUCT, version, {
      lookup: [lookup.repository],
      ...options,
    });
  after(async () => {
    await main?.close();
    await lookup?.close();
    await reg?.close();
    await ws?.remove();
  });

  it('walks the tree: each version once, leaves first, lookup repositories after the own', async () => {
    const resolver = new RepositoryListResolver([main.repository, lookup.repository]);
    const walk = await walkReferences(resolver, main.repository, PRODUCT, '1.0.0');
    assert.deepEqual(
      walk.order.map((f) => f.resolution.component),
      [svc('b'), svc('a'), svc('c'), PRODUCT],
    );
    assert.deepEqual(
      walk.order.map((f) => f.repositoryIndex),
      [0, 0, 1, 0],
    );
    const root = walk.root;
    assert.deepEqual(
      root.children.map((c) => [c.referenceName, c.component, c.repeated, c.children.length]),
      [
        ['svc-a', svc('a'), false, 1],
        ['svc-b', svc('b'), true, 0],
        ['svc-c', svc('c'), false, 0],
      ],
    );
    assert.equal(root.children[0]?.children[0]?.component, svc('b'));
  });

  it('transfers CTF -> registry -> CTF: each version copied once, the same tree at every end, rerun copies nothing', async () => {
    const target = await openRepository(`${reg.host}/refs`);
    const back = await openRepository(join(ws.path, 'back'), { create: true });
    try {
      const there = await fromMain(target);
      assert.deepEqual(
        there.results.map((r) => [r.component, r.status]),
        [
          [svc('b'), 'copied'],
          [svc('a'), 'copied'],
          [svc('c'), 'copied'],
          [PRODUCT, 'copied'],
        ],
      );
      const again = await fromMain(target);
      assert.deepEqual(
        again.results.map((r) => r.status),
        ['unchanged', 'unchanged', 'unchanged', 'unchanged'],
      );
      const returned = await transferComponentVersionRecursive(
        target.repository,
        back.repository,
        PRODUCT,
        '1.0.0',
      );
      assert.equal(returned.results.filter((r) => r.status === 'copied').length, 4);

      const treeAt = async (repo: OpenedRepository) =>
        shape(
          (
            await walkReferences(
              new RepositoryListResolver([repo.repository]),
              repo.repository,
              PRODUCT,
              '1.0.0',
            )
          ).root,
        );
      const source = shape(there.walk.root);
      assert.deepEqual(await treeAt(target), source);
      assert.deepEqual(await treeAt(back), source);
    } finally {
      await target.close();
      await back.close();
    }
  });

  it('copies the aliases of the root only; referenced versions are pinned by version', async () => {
    await main.repository.addComponentVersionAlias(PRODUCT, '1.0.0', 'prod');
    await main.repository.addComponentVersionAlias(svc('a'), '1.0.0', 'prod');
    const target = await openRepository(join(ws.path, 'aliases'), { create: true });
    try {
      const r = await fromMain(target, 'prod', { copyAliases: true });
      assert.deepEqual(r.results.at(-1)?.aliases, ['prod']);
      assert.deepEqual(
        (await target.repository.listComponentVersionAliases(PRODUCT)).map((a) => a.alias),
        ['prod'],
      );
      for (const s of ['a', 'b', 'c'])
        assert.deepEqual(await target.repository.listComponentVersionAliases(svc(s)), [], s);
    } finally {
      await target.close();
    }
  });

  it('a product signed where its parts are verifies after a recursive transfer', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const signedAt = await openRepository(join(ws.path, 'signed'), { create: true });
    const carried = await openRepository(`${reg.host}/signed`);
    try {
      await fromMain(signedAt);
      await signComponentVersion(signedAt.repository, PRODUCT, '1.0.0', {
        name: 'release',
        privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }),
      });
      const r = await transferComponentVersionRecursive(
        signedAt.repository,
        carried.repository,
        PRODUCT,
        '1.0.0',
      );
      assert.equal(r.results.length, 4);
      const verified = await verifyComponentVersion(carried.repository, PRODUCT, '1.0.0', {
        publicKey: publicKey.export({ type: 'spki', format: 'pem' }),
      });
      assert.equal(verified.references.length, 3);
    } finally {
      await signedAt.close();
      await carried.close();
    }
  });

  it('verifies a tree: every version against its content, lookup repositories included; a tampered part fails', async () => {
    const tree = await verifyComponentVersionTree(main.repository, PRODUCT, '1.0.0', {
      lookup: [lookup.repository],
    });
    assert.deepEqual(
      tree.checks.map((c) => [c.component, c.resources.length]),
      [
        [svc('b'), 1],
        [svc('a'), 1],
        [svc('c'), 1],
        [PRODUCT, 1],
      ],
    );
    await assert.rejects(
      verifyComponentVersionTree(main.repository, PRODUCT, '1.0.0'),
      MissingReferenceError,
    );

    const dir = join(ws.path, 'tampered');
    const copy = await openRepository(dir, { create: true });
    try {
      await fromMain(copy);
      const blob = (await copy.repository.getComponentVersion(svc('c'), '1.0.0')).descriptor.component
        .resources?.[0]?.access as { localReference?: string };
      const file = join(dir, 'blobs', blob.localReference!.replace(':', '.'));
      await writeFile(file, 'payload of someone else\n');
      const err = await verifyComponentVersionTree(copy.repository, PRODUCT, '1.0.0').then(
        () => assert.fail('a tampered part verified'),
        (e: unknown) => e,
      );
      assert.ok(err instanceof OcmError, String(err));
      assert.match(err.message, /example\.com\/shop\/c/);
    } finally {
      await copy.close();
    }
  });

  it('a cycle is a typed error naming it, and nothing is written', async () => {
    const src = await openRepository(join(ws.path, 'cycle'), { create: true });
    const dst = join(ws.path, 'cycle-target');
    const target = await openRepository(dst, { create: true });
    try {
      // x -> y -> x cannot be stored in order; store y first with a reference to a not yet stored x.
      await addPart(src.repository, { name: svc('y'), refs: { 'svc-x': `${svc('x')}:1.0.0` } });
      await addPart(src.repository, { name: svc('x'), refs: { 'svc-y': `${svc('y')}:1.0.0` } });
      await addPart(src.repository, {
        name: PRODUCT,
        version: '2.0.0',
        refs: { 'svc-x': `${svc('x')}:1.0.0` },
      });
      const err = await transferComponentVersionRecursive(
        src.repository,
        target.repository,
        PRODUCT,
        '2.0.0',
      ).then(
        () => assert.fail('a cycle was transferred'),
        (e: unknown) => e,
      );
      assert.ok(err instanceof ReferenceCycleError, String(err));
      assert.deepEqual(err.cycle, [`${svc('x')}:1.0.0`, `${svc('y')}:1.0.0`, `${svc('x')}:1.0.0`]);
      assert.deepEqual(await indexEntries(dst), []);
    } finally {
      await src.close();
      await target.close();
    }
  });

  it('a missing reference is a typed error with the path from the root, and nothing is written', async () => {
    const dst = join(ws.path, 'missing-target');
    const target = await openRepository(dst, { create: true });
    try {
      // Without the lookup repository, c is nowhere.
      const err = await transferComponentVersionRecursive(
        main.repository,
        target.repository,
        PRODUCT,
        '1.0.0',
      ).then(
        () => assert.fail('an incomplete product was transferred'),
        (e: unknown) => e,
      );
      assert.ok(err instanceof MissingReferenceError, String(err));
      assert.deepEqual(err.path, [`${PRODUCT}:1.0.0`, `${svc('c')}:1.0.0`]);
      assert.match(err.message, /example\.com\/shop\/product:1\.0\.0 -> example\.com\/shop\/c:1\.0\.0/);
      assert.deepEqual(await indexEntries(dst), []);
    } finally {
      await target.close();
    }
  });

  it('kill -9 in the middle of a recursive transfer: no version without its references, and a rerun completes', async () => {
    const dst = join(ws.path, 'killed');
    const worker = join(projectRoot, 'test/support/transfer-worker.ts');
    // Free the source CTFs' locks for the child: it opens them itself.
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', worker, join(ws.path, 'main'), join(ws.path, 'lookup'), dst, PRODUCT, '1.0.0'],
      { cwd: projectRoot, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let out = '';
    const killed = new Promise<void>((resolve) => {
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        // The second version has started: the first is stored, the rest is in flight.
        if (out.includes('version 2/4')) child.kill('SIGKILL');
      });
      child.on('exit', () => resolve());
    });
    await killed;
    assert.match(out, /version 1\/4/);
    assert.doesNotMatch(out, /done/, 'the worker finished before it was killed');

    const target = await openRepository(dst, { create: true });
    try {
      // Whatever the kill left: every stored version has all its references stored.
      for (const name of [PRODUCT, svc('a'), svc('b'), svc('c')]) {
        for (const version of await target.repository.listComponentVersions(name)) {
          const { descriptor } = await target.repository.getComponentVersion(name, version);
          for (const ref of descriptor.component.componentReferences ?? []) {
            assert.deepEqual(await target.repository.listComponentVersions(ref.componentName), [ref.version]);
          }
        }
      }
      const rerun = await fromMain(target);
      assert.equal(rerun.results.length, 4);
      assert.ok(
        rerun.results.some((r) => r.status === 'unchanged'),
        'the rerun found nothing from the first run',
      );
      assert.equal(rerun.results.at(-1)?.status, 'copied');
    } finally {
      await target.close();
    }
  });
});
