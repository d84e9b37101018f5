/** `ocm cache info|prune`, `--no-cache`, and where the CLI puts the cache (OCM_CACHE_DIR, XDG_CACHE_HOME). */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openRepository } from '../../src/open.js';
import { ocm } from '../support/cli.js';
import { descriptor, resource } from '../support/descriptors.js';
import { startRegistry, type TestRegistry } from '../support/registry.js';

const C = 'example.com/cache/cli';

describe('ocm cache', () => {
  let reg: TestRegistry;
  let work: string;
  before(async () => {
    reg = await startRegistry('anonymous');
    work = mkdtempSync(join(tmpdir(), 'ocm-cache-cli-'));
    const w = await openRepository(`${reg.host}/p`);
    const r = await w.repository.addLocalResource(C, resource('config'), {
      content: Buffer.from('key: value\n'),
      mediaType: 'text/plain',
    });
    await w.repository.addComponentVersion(descriptor('1.0.0', { name: C, resources: [r] }));
    await w.repository.addComponentVersionAlias(C, '1.0.0', 'prod');
    await w.close();
  });
  after(async () => {
    await reg?.close();
    rmSync(work, { recursive: true, force: true });
  });

  it('fills the cache at OCM_CACHE_DIR, reports it, and prunes it', async () => {
    const dir = join(work, 'ocm-cache');
    const env = { OCM_CACHE_DIR: dir };
    const get = await ocm(['get', 'cv', `${reg.host}/p//${C}:prod`, '-o', 'json'], { cwd: work, env });
    assert.equal(get.code, 0, get.stderr);
    const info = await ocm(['cache', 'info', '-o', 'json'], { cwd: work, env });
    assert.equal(info.code, 0, info.stderr);
    const doc = JSON.parse(info.stdout) as { dir: string; entries: number; refs: number; bytes: number };
    assert.equal(doc.dir, dir);
    assert.equal(doc.entries, 2, 'the manifest and the descriptor layer');
    assert.equal(doc.refs, 1, 'the hint for prod');
    assert.ok(doc.bytes > 0);
    const table = await ocm(['cache', 'info'], { cwd: work, env });
    assert.match(table.stdout, /^directory {2}.*ocm-cache$/m);
    const prune = await ocm(['cache', 'prune'], { cwd: work, env });
    assert.equal(prune.code, 0, prune.stderr);
    assert.match(prune.stdout, /^removed 3 entries/);
    assert.equal(
      (
        JSON.parse((await ocm(['cache', 'info', '-o', 'json'], { cwd: work, env })).stdout) as {
          entries: number;
        }
      ).entries,
      0,
    );
  });

  it('uses $XDG_CACHE_HOME/ocm-ts, and --no-cache leaves it alone', async () => {
    const xdg = join(work, 'xdg');
    const env = { XDG_CACHE_HOME: xdg };
    const skipped = await ocm(['get', 'cv', `${reg.host}/p//${C}:prod`, '--no-cache'], { cwd: work, env });
    assert.equal(skipped.code, 0, skipped.stderr);
    assert.equal(existsSync(join(xdg, 'ocm-ts')), false);
    const used = await ocm(['get', 'cv', `${reg.host}/p//${C}:prod`], { cwd: work, env });
    assert.equal(used.code, 0, used.stderr);
    assert.ok(readdirSync(join(xdg, 'ocm-ts', 'v1', 'content', 'sha256')).length >= 2);
  });

  it('says where to set a directory when there is none, and refuses a bad size', async () => {
    const none = await ocm(['cache', 'info'], { cwd: work, env: {} });
    assert.equal(none.code, 2);
    assert.match(none.stderr, /OCM_CACHE_DIR/);
    const bad = await ocm(['cache', 'prune', '--keep', 'lots'], {
      cwd: work,
      env: { OCM_CACHE_DIR: join(work, 'c') },
    });
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /not a size/);
  });
});
