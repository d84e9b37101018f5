/**
 * End to end: the built `ocm` binary (dist/bin/main.js) drives the alias life cycle (`tag cv` with
 * and without `--expect`, `get aliases`, `untag cv`) and signing (`sign cv`, `verify cv` through an
 * alias) on a CTF directory, a .tgz CTF and a real Distribution registry. Every step checks what the
 * command printed and what the repository holds afterwards, not only the exit code.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openRepository } from '../../src/open.js';
import { BUILD_TIMEOUT_MS, binary, builtBinary } from '../support/built.js';
import { descriptor, resource } from '../support/descriptors.js';
import { sharedRegistry } from '../support/registry.js';
import { runNode } from '../support/spawn.js';
import { tempDir } from '../support/tmp.js';

const C = 'example.com/shop/checkout';
const DIGEST = /sha256:[0-9a-f]{64}/;

function ocm(args: string[], cwd: string) {
  return runNode([binary, ...args], { cwd, env: { PATH: process.env.PATH ?? '', HOME: cwd } });
}

const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

let dir: { path: string; remove: () => Promise<void> };
// The built binary, rebuilt first when src/ is newer.
before(() => builtBinary(), { timeout: BUILD_TIMEOUT_MS });
before(async () => {
  dir = await tempDir();
  const keys = generateKeyPairSync('rsa', { modulusLength: 2048 });
  await writeFile(join(dir.path, 'k.pem'), keys.privateKey.export({ type: 'pkcs8', format: 'pem' }));
  await writeFile(join(dir.path, 'k.pub'), keys.publicKey.export({ type: 'spki', format: 'pem' }));
  const other = generateKeyPairSync('rsa', { modulusLength: 2048 });
  await writeFile(join(dir.path, 'other.pub'), other.publicKey.export({ type: 'spki', format: 'pem' }));
});
after(() => dir?.remove());

/** Stores 1.0.0 and 1.1.0 (each with a local `config`) at `repository`; returns their digests. */
async function seed(repository: string): Promise<Record<string, string>> {
  const opened = await openRepository(repository, { create: true, cwd: dir.path });
  try {
    const digests: Record<string, string> = {};
    for (const v of ['1.0.0', '1.1.0']) {
      const res = await opened.repository.addLocalResource(
        C,
        resource('config', { version: v, type: 'plainText' }),
        { content: Buffer.from(`config ${v}\n`.repeat(100)), mediaType: 'text/plain' },
      );
      digests[v] = (await opened.repository.addComponentVersion(descriptor(v, { resources: [res] }))).digest;
    }
    return digests;
  } finally {
    await opened.close();
  }
}

async function aliasesJson(ref: string): Promise<[string, string, string][]> {
  const r = await ocm(['get', 'aliases', ref, '-o', 'json'], dir.path);
  assert.equal(r.code, 0, r.stderr);
  return (JSON.parse(r.stdout) as { alias: string; version: string; digest: string }[]).map((a) => [
    a.alias,
    a.version,
    a.digest,
  ]);
}

/** The whole life cycle on the repository `repo` (a CTF path or `host/prefix`). */
async function lifecycle(repo: string): Promise<void> {
  const cwd = dir.path;
  const d = await seed(repo);
  const ref = `${repo}//${C}`;
  const d1 = d['1.0.0']!;
  const d2 = d['1.1.0']!;

  // tag: two new aliases, then a promotion through an alias.
  let r = await ocm(['tag', 'cv', `${ref}:1.0.0`, 'dev', 'staging'], cwd);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, `${C}:dev -> 1.0.0 ${d1} (new)\n${C}:staging -> 1.0.0 ${d1} (new)\n`);
  r = await ocm(['tag', 'cv', `${ref}:staging`, 'prod'], cwd);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, `${C}:prod -> 1.0.0 ${d1} (new)\n`);

  // A failed expectation: exit 1, one line and a hint, nothing moved.
  r = await ocm(['tag', 'cv', `${ref}:1.1.0`, 'prod', '--expect', '1.1.0'], cwd);
  assert.equal(r.code, 1);
  assert.equal(r.stdout, '');
  assert.match(
    r.stderr,
    new RegExp(
      `^Error: .*alias prod points at 1\\.0\\.0 \\(${esc(d1)}\\), not at the expected 1\\.1\\.0\\nHint: `,
    ),
  );
  // A satisfied one moves, and says where from.
  r = await ocm(['tag', 'cv', `${ref}:1.1.0`, 'dev', '--expect', '1.0.0'], cwd);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, `${C}:dev -> 1.1.0 ${d2} (was 1.0.0)\n`);
  // A version tag is never overwritten by an alias.
  r = await ocm(['tag', 'cv', `${ref}:1.1.0`, '1.0.0'], cwd);
  assert.equal(r.code, 1);

  // get aliases: table and JSON agree with what was acknowledged.
  r = await ocm(['get', 'aliases', ref], cwd);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(
    r.stdout
      .trimEnd()
      .split('\n')
      .map((l) => l.split(/\s+/)),
    [
      ['ALIAS', 'VERSION', 'DIGEST'],
      ['dev', '1.1.0', d2],
      ['prod', '1.0.0', d1],
      ['staging', '1.0.0', d1],
    ],
  );
  assert.deepEqual(await aliasesJson(ref), [
    ['dev', '1.1.0', d2],
    ['prod', '1.0.0', d1],
    ['staging', '1.0.0', d1],
  ]);

  // untag: only the alias goes; a version is refused and stays.
  r = await ocm(['untag', 'cv', `${ref}:dev`], cwd);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, `removed ${C}:dev (was 1.1.0 ${d2})\n`);
  r = await ocm(['untag', 'cv', `${ref}:1.0.0`], cwd);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^Error: 1\.0\.0 is a version of .*, not an alias/);
  r = await ocm(['untag', 'cv', `${ref}:nope`], cwd);
  assert.equal(r.code, 1);
  assert.deepEqual(await aliasesJson(ref), [
    ['prod', '1.0.0', d1],
    ['staging', '1.0.0', d1],
  ]);
  r = await ocm(['get', 'cv', ref, '-o', 'json'], cwd);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /"1\.1\.0"/);
  assert.match(r.stdout, /"1\.0\.0"/);

  // sign through prod: the manifest changes once, and every alias on it follows.
  r = await ocm(['verify', 'cv', `${ref}:prod`, '--public-key', 'k.pub'], cwd);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /no signature/);
  r = await ocm(['sign', 'cv', `${ref}:prod`, '--signature', 'release', '--private-key', 'k.pem'], cwd);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, new RegExp(`^signed ${esc(C)}:1\\.0\\.0 as release \\(`));
  const changed = new RegExp(`manifest ${esc(d1)} -> (${DIGEST.source})`).exec(r.stdout);
  assert.ok(changed, r.stdout);
  const signed = changed[1]!;
  assert.notEqual(signed, d1);
  assert.match(r.stdout, /moved aliases: prod, staging\n/);
  assert.deepEqual(await aliasesJson(ref), [
    ['prod', '1.0.0', signed],
    ['staging', '1.0.0', signed],
  ]);

  // verify through the other alias, and by version; a wrong key and an unsigned version fail.
  r = await ocm(['verify', 'cv', `${ref}:staging`, '--public-key', 'k.pub'], cwd);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, new RegExp(`^verified ${esc(C)}:1\\.0\\.0 \\(via staging\\): signature release `));
  assert.match(r.stdout, /1 resources and 0 references checked/);
  r = await ocm(['verify', 'cv', `${ref}:1.0.0`, '--public-key', 'k.pub'], cwd);
  assert.equal(r.code, 0, r.stderr);
  r = await ocm(['verify', 'cv', `${ref}:prod`, '--public-key', 'other.pub'], cwd);
  assert.equal(r.code, 1);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, /^Error: /);
  r = await ocm(['verify', 'cv', `${ref}:1.1.0`, '--public-key', 'k.pub'], cwd);
  assert.equal(r.code, 1);

  // After signing, a promotion is a tag again: same digest, and the bytes behind it are intact.
  r = await ocm(['tag', 'cv', `${ref}:prod`, 'live'], cwd);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, `${C}:live -> 1.0.0 ${signed} (new)\n`);
  r = await ocm(['download', 'resource', `${ref}:live`, 'config', '-O', 'live-config.txt'], cwd);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(await readFile(join(cwd, 'live-config.txt'), 'utf8'), 'config 1.0.0\n'.repeat(100));
}

describe('ocm binary: aliases and signing end to end', () => {
  const registry = sharedRegistry('anonymous');
  after(() => registry.stop());

  it('on a CTF directory', () => lifecycle('./aliases-ctf'));
  it('on a .tgz CTF', () => lifecycle('./aliases.tgz'));
  it('on a Distribution registry', async () => lifecycle(`${(await registry.get()).host}/e2e-aliases`));
});
