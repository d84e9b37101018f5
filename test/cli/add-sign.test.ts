/** `ocm add cv` from constructors, `ocm sign cv` and `ocm verify cv` through aliases, in-process on CTFs. */
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { cp, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ocm } from '../support/cli.js';
import { fixturesDir } from '../support/paths.js';
import { tempDir } from '../support/tmp.js';

let dir: { path: string; remove: () => Promise<void> };
const run = (...argv: string[]) => ocm(argv, { cwd: dir.path, env: { APP_VERSION: '1.2.0' } });

before(async () => {
  dir = await tempDir();
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  await writeFile(join(dir.path, 'key.pem'), privateKey.export({ type: 'pkcs8', format: 'pem' }));
  await writeFile(join(dir.path, 'key.pub'), publicKey.export({ type: 'spki', format: 'pem' }));
  const other = generateKeyPairSync('rsa', { modulusLength: 2048 });
  await writeFile(join(dir.path, 'other.pub'), other.publicKey.export({ type: 'spki', format: 'pem' }));
  await mkdir(join(dir.path, 'app/manifests'), { recursive: true });
  await writeFile(join(dir.path, 'app/config.yaml'), 'port: 8080\n');
  await writeFile(join(dir.path, 'app/manifests/deploy.yaml'), 'kind: Deployment\n');
  await writeFile(
    join(dir.path, 'app/component-constructor.yaml'),
    `components:
- name: example.com/shop/app
  version: \${APP_VERSION}
  provider:
    name: acme.org
  resources:
  - name: config
    type: plainText
    input: { type: file, path: config.yaml, mediaType: application/yaml }
  - name: manifests
    type: directoryTree
    input: { type: dir, path: manifests, compress: true }
  - name: image
    type: ociImage
    version: 1.0.0
    access: { type: ociArtifact, imageReference: ghcr.io/acme/app:1.0.0 }
    digest: { hashAlgorithm: SHA-256, normalisationAlgorithm: ociArtifactDigest/v1, value: ${'a'.repeat(64)} }
`,
  );
});
after(() => dir.remove());

describe('ocm add cv', () => {
  it('builds the Go fixture constructor into a new CTF', async () => {
    await cp(
      join(fixturesDir, 'ctf/ocm1-helloworld/component-constructor.yaml'),
      join(dir.path, 'component-constructor.yaml'),
    );
    const r = await run('add', 'cv');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /github\.com\/acme\.org\/helloworld\s+1\.0\.0\s+added\s+sha256:/);
    const got = await run(
      'download',
      'resource',
      './transport-archive//github.com/acme.org/helloworld:1.0.0',
      'resource',
    );
    assert.equal(got.stdout, 'test');
    const again = await run('add', 'cv');
    assert.equal(again.code, 1);
    assert.match(again.stderr, /exists already\nHint: /);
    const skip = await run('add', 'cv', '--conflict', 'skip', '-o', 'json');
    assert.equal(JSON.parse(skip.stdout)[0].status, 'skipped');
  });

  it('expands variables from the environment, packs files and directories', async () => {
    const r = await run(
      'add',
      'cv',
      '--constructor',
      'app/component-constructor.yaml',
      '--repository',
      'app.tgz',
    );
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /example\.com\/shop\/app\s+1\.2\.0\s+added/);
    const cfg = await run('download', 'resource', './app.tgz//example.com/shop/app:1.2.0', 'config');
    assert.equal(cfg.stdout, 'port: 8080\n');
  });

  it('names the schema path of a broken constructor and writes nothing', async () => {
    await writeFile(
      join(dir.path, 'bad.yaml'),
      'name: example.com/x/y\nversion: 1.0.0\nprovider: {name: p}\nresources:\n- name: rr\n  type: blob\n  input: {type: file}\n',
    );
    const r = await run('add', 'cv', '--constructor', 'bad.yaml', '--repository', 'bad-ctf');
    assert.equal(r.code, 1);
    assert.match(r.stderr, /resources\[0\]\.input/);
    const escaping = join(dir.path, 'escape.yaml');
    await writeFile(
      escaping,
      'name: example.com/x/y\nversion: 1.0.0\nprovider: {name: p}\nresources:\n- name: rr\n  type: blob\n  input: {type: file, path: ../../etc/passwd}\n',
    );
    const e = await run('add', 'cv', '--constructor', 'escape.yaml', '--repository', 'bad-ctf');
    assert.equal(e.code, 1);
    assert.match(e.stderr, /escape|outside|leave/i);
    const list = await run('get', 'cv', './bad-ctf//example.com/x/y', '-o', 'json');
    assert.deepEqual(list.code === 0 ? JSON.parse(list.stdout) : [], []);
  });
});

describe('ocm sign cv / verify cv', () => {
  it('signs once, promotes by alias, verifies through the alias; digests never change', async () => {
    const ref = './app.tgz//example.com/shop/app';
    let r = await run('tag', 'cv', `${ref}:1.2.0`, 'staging');
    assert.equal(r.code, 0, r.stderr);
    r = await run('sign', 'cv', `${ref}:staging`, '--signature', 'release', '--private-key', 'key.pem');
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stdout,
      /signed example\.com\/shop\/app:1\.2\.0 as release \(RSASSA-PSS, jsonNormalisation\/v4alpha1 SHA-256:[0-9a-f]{64}\)/,
    );
    assert.match(r.stdout, /moved aliases: staging/);
    const signedDigest = /SHA-256:([0-9a-f]{64})/.exec(r.stdout)![1];
    r = await run('tag', 'cv', `${ref}:staging`, 'prod');
    assert.equal(r.code, 0, r.stderr);
    r = await run('verify', 'cv', `${ref}:prod`, '--public-key', 'key.pub');
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stdout,
      new RegExp(
        `verified example\\.com/shop/app:1\\.2\\.0 \\(via prod\\): signature release \\(RSASSA-PSS\\) over SHA-256:${signedDigest}`,
      ),
    );
    r = await run('untag', 'cv', `${ref}:staging`);
    r = await run('verify', 'cv', `${ref}:1.2.0`, '--public-key', 'key.pub', '-o', 'json');
    assert.equal(JSON.parse(r.stdout).signature.digest.value, signedDigest);
    r = await run('verify', 'cv', `${ref}:prod`, '--public-key', 'other.pub');
    assert.equal(r.code, 1);
    assert.match(r.stderr, /signature/i);
    r = await run('verify', 'cv', `${ref}:prod`, '--public-key', 'key.pub', '--signature', 'nope');
    assert.equal(r.code, 1);
    r = await run('sign', 'cv', `${ref}:prod`, '--signature', 'x', '--private-key', 'missing.pem');
    assert.equal(r.code, 2);
    assert.match(r.stderr, /cannot read --private-key missing\.pem: ENOENT/);
  });
});
