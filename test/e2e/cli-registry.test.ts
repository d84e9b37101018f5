/**
 * End to end: the built `ocm` binary (dist/bin/main.js, made by the test command's build step)
 * against real Distribution registries, anonymous and with htpasswd auth.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { openRepository } from '../../src/open.js';
import { BUILD_TIMEOUT_MS, binary, builtBinary } from '../support/built.js';
import { descriptor, resource } from '../support/descriptors.js';
import { fixturesDir } from '../support/paths.js';
import { sharedRegistry, skopeo } from '../support/registry.js';
import { runNode } from '../support/spawn.js';
import { tempDir } from '../support/tmp.js';

const C = 'example.com/shop/checkout';
const execFileAsync = promisify(execFile);

function ocm(args: string[], options: { cwd: string; env?: Record<string, string>; stdin?: string }) {
  return runNode([binary, ...args], {
    cwd: options.cwd,
    env: { PATH: process.env.PATH ?? '', HOME: options.cwd, ...options.env },
    ...(options.stdin === undefined ? {} : { stdin: options.stdin }),
  });
}

let dir: { path: string; remove: () => Promise<void> };

// The built binary, rebuilt first when src/ is newer.
before(() => builtBinary(), { timeout: BUILD_TIMEOUT_MS });
before(async () => {
  dir = await tempDir();
  const { repository, close } = await openRepository(join(dir.path, 'source'), { create: true });
  for (const v of ['1.0.0', '1.1.0', '2.0.0']) {
    const res = await repository.addLocalResource(C, resource('config', { version: v, type: 'plainText' }), {
      content: Buffer.from(`config ${v}\n`.repeat(1000)),
      mediaType: 'text/plain',
    });
    await repository.addComponentVersion(descriptor(v, { resources: [res] }));
  }
  await repository.addComponentVersionAlias(C, '1.0.0', 'prod');
  await repository.addComponentVersionAlias(C, '1.1.0', 'staging');
  await repository.addComponentVersionAlias(C, '2.0.0', 'dev');
  await close();
});
after(() => dir?.remove());

describe('ocm binary against an anonymous registry', () => {
  const registry = sharedRegistry('anonymous');
  after(() => registry.stop());

  it('CTF -> registry -> CTF with --copy-aliases gives back the source exactly', async () => {
    const reg = await registry.get();
    const target = `${reg.host}/e2e`;
    const cwd = dir.path;
    let r = await ocm(['transfer', 'cv', `./source//${C}`, target, '--copy-aliases'], { cwd });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim().split('\n').length, 3);
    r = await ocm(['transfer', 'cv', `${target}//${C}`, './back.tgz', '--copy-aliases'], { cwd });
    assert.equal(r.code, 0, r.stderr);
    for (const args of [
      ['get', 'cv'],
      ['get', 'aliases'],
    ]) {
      const a = await ocm([...args, `./source//${C}`, '-o', 'json'], { cwd });
      const b = await ocm([...args, `${target}//${C}`, '-o', 'json'], { cwd });
      const c = await ocm([...args, `./back.tgz//${C}`, '-o', 'json'], { cwd });
      assert.deepEqual(JSON.parse(b.stdout), JSON.parse(a.stdout));
      assert.deepEqual(JSON.parse(c.stdout), JSON.parse(a.stdout));
    }
    r = await ocm(['tag', 'cv', `${target}//${C}:staging`, 'prod', '--expect', '1.0.0'], { cwd });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /prod -> 1\.1\.0 .*\(was 1\.0\.0\)/);
    r = await ocm(['untag', 'cv', `${target}//${C}:dev`], { cwd });
    assert.equal(r.code, 0, r.stderr);
    r = await ocm(['get', 'cv', `${target}//${C}`], { cwd });
    assert.deepEqual(
      r.stdout
        .trim()
        .split('\n')
        .slice(1)
        .map((l) => l.replace(/\s+/g, ' ')),
      [`${C} 2.0.0`, `${C} 1.1.0 prod, staging`, `${C} 1.0.0`],
    );
    r = await ocm(['download', 'resource', `${target}//${C}:prod`, 'config', '-O', 'out.txt'], { cwd });
    assert.equal(r.code, 0, r.stderr);
    // prod was moved to 1.1.0 above: the bytes are 1.1.0's config, whole.
    assert.equal(await readFile(join(cwd, 'out.txt'), 'utf8'), 'config 1.1.0\n'.repeat(1000));
  });

  it('--copy-resources brings referenced images along by value; the signature still verifies', async () => {
    const reg = await registry.get();
    const cwd = dir.path;
    const layoutDir = join(cwd, 'layout');
    await mkdir(layoutDir, { recursive: true });
    await execFileAsync('tar', ['xzf', join(fixturesDir, 'oci-layout/oci-layout.tar.gz'), '-C', layoutDir]);
    const image = `${reg.host}/images/demo:1.0`;
    await skopeo(['copy', '--dest-tls-verify=false', `oci:${layoutDir}`, `docker://${image}`]);
    const { repository, close } = await openRepository(join(cwd, 'byref'), { create: true });
    await repository.addComponentVersion(
      descriptor('1.0.0', {
        resources: [
          resource('image', {
            type: 'ociImage',
            relation: 'external',
            access: { type: 'ociArtifact', imageReference: image },
            digest: {
              hashAlgorithm: 'SHA-256',
              normalisationAlgorithm: 'ociArtifactDigest/v1',
              value: '3572605a9b5634cff58bf86d649df46638eb096b6987adfd03157f1306b66c6c',
            },
          }),
        ],
      }),
    );
    await repository.addComponentVersionAlias(C, '1.0.0', 'prod');
    await close();
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    await writeFile(join(cwd, 'k.pem'), privateKey.export({ type: 'pkcs8', format: 'pem' }));
    await writeFile(join(cwd, 'k.pub'), publicKey.export({ type: 'spki', format: 'pem' }));
    let r = await ocm(['sign', 'cv', `./byref//${C}:prod`, '--signature', 's', '--private-key', 'k.pem'], {
      cwd,
    });
    assert.equal(r.code, 0, r.stderr);
    r = await ocm(
      ['transfer', 'cv', `./byref//${C}`, './byvalue.tgz', '--copy-resources', '--copy-aliases'],
      { cwd },
    );
    assert.equal(r.code, 0, r.stderr);
    r = await ocm(['get', 'cv', `./byvalue.tgz//${C}:prod`, '-o', 'json'], { cwd });
    const access = JSON.parse(r.stdout).component.resources[0].access;
    assert.deepEqual(access, {
      type: 'localBlob',
      localReference: 'sha256:3572605a9b5634cff58bf86d649df46638eb096b6987adfd03157f1306b66c6c',
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      referenceName: 'images/demo:1.0',
    });
    r = await ocm(['verify', 'cv', `./byvalue.tgz//${C}:prod`, '--public-key', 'k.pub'], { cwd });
    assert.equal(r.code, 0, r.stderr);
    r = await ocm(['download', 'resource', `./byvalue.tgz//${C}:prod`, 'image', '-O', 'image.tar'], { cwd });
    assert.equal(r.code, 0, r.stderr);
    const { stdout } = await execFileAsync('tar', ['tf', join(cwd, 'image.tar')]);
    assert.match(stdout, /blobs\/sha256\/3572605a9b5634cff58bf86d649df46638eb096b6987adfd03157f1306b66c6c/);
  });

  it('an unreachable registry is one line and a hint', async () => {
    const r = await ocm(['get', 'cv', `127.0.0.1:9//${C}:1.0.0`], { cwd: dir.path });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^Error: .*\nHint: nothing answers there/);
  });
});

describe('ocm binary against an htpasswd registry', () => {
  const registry = sharedRegistry('htpasswd');
  after(() => registry.stop());

  it('takes credentials from --password-stdin and from the docker config; says how to log in without', async () => {
    const reg = await registry.get();
    const cwd = dir.path;
    const target = `${reg.host}/auth`;
    let r = await ocm(['transfer', 'cv', `./source//${C}:prod`, target], { cwd });
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      /Hint: no credentials for this registry: log in with "docker login HOST", or pass --username USER --password-stdin/,
    );
    r = await ocm(
      ['transfer', 'cv', `./source//${C}:prod`, target, '--username', reg.username!, '--password-stdin'],
      {
        cwd,
        stdin: `${reg.password}\n`,
      },
    );
    assert.equal(r.code, 0, r.stderr);
    const config = join(cwd, 'docker');
    await mkdir(config, { recursive: true });
    const auth = Buffer.from(`${reg.username}:${reg.password}`).toString('base64');
    await writeFile(join(config, 'config.json'), JSON.stringify({ auths: { [reg.host]: { auth } } }));
    r = await ocm(['get', 'cv', `${target}//${C}:1.0.0`, '-o', 'json'], {
      cwd,
      env: { DOCKER_CONFIG: config },
    });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(JSON.parse(r.stdout).component.version, '1.0.0');
    r = await ocm(['get', 'cv', `${target}//${C}:1.0.0`, '--username', reg.username!, '--password-stdin'], {
      cwd,
      stdin: 'wrong-password\n',
    });
    assert.equal(r.code, 1);
    // A wrong password is told apart from a missing login.
    assert.match(
      r.stderr,
      /Hint: the registry refused the credentials given: check the user name and password/,
    );
    assert.doesNotMatch(r.stderr + r.stdout, new RegExp(`${reg.password}|wrong-password`));
  });
});
