/**
 * A whole-repository transfer with the built binary prints no warning: each version in flight holds
 * one abort listener on the process's signal, removed when it is done (no MaxListenersExceededWarning
 * with --jobs 12 x --concurrency 8), to a CTF and to a registry alike.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { openRepository } from '../../src/open.js';
import { descriptor, resource } from '../support/descriptors.js';
import { projectRoot } from '../support/paths.js';
import { startRegistry, type TestRegistry } from '../support/registry.js';
import { runNode } from '../support/spawn.js';
import { tempDir } from '../support/tmp.js';

const binary = join(projectRoot, 'dist/bin/main.js');
let dir: { path: string; remove: () => Promise<void> };
let registry: TestRegistry;

before(async () => {
  if (!existsSync(binary)) throw new Error(`${binary} is missing: run "npm run build"`);
  dir = await tempDir();
  registry = await startRegistry('anonymous');
  const { repository, close } = await openRepository(join(dir.path, 'source'), { create: true });
  // 6 components x 2 versions x 4 blobs: more requests in flight than Node's default of 10 listeners.
  for (let c = 1; c <= 6; c++)
    for (const v of ['1.0.0', '1.1.0']) {
      const name = `example.com/part${c}`;
      const resources = [];
      for (const r of ['aa', 'bb', 'cc', 'dd'])
        resources.push(
          await repository.addLocalResource(name, resource(r, { version: v }), {
            content: Buffer.from(`${name} ${v} ${r}\n`),
            mediaType: 'text/plain',
          }),
        );
      await repository.addComponentVersion(descriptor(v, { name, resources }));
      if (v === '1.0.0') await repository.addComponentVersionAlias(name, v, 'prod', { expect: 'absent' });
    }
  await close();
});
after(async () => {
  await registry?.close();
  await dir?.remove();
});

for (const target of ['ctf', 'registry'] as const)
  it(`CTF -> ${target}: every version copied, nothing on stderr`, async () => {
    const to = target === 'ctf' ? './copy' : `${registry.host}/whole`;
    const r = await runNode(
      [binary, 'transfer', 'cv', './source', to, '--copy-aliases', '--jobs', '12', '--concurrency', '8'],
      { cwd: dir.path, env: { PATH: process.env.PATH ?? '', HOME: dir.path } },
    );
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /6 components, 12 versions: 12 copied/);
    assert.equal(r.stderr, '');
  });
