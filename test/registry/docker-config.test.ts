/**
 * Credentials from a docker config.json: the `auths` forms, a `credHelpers` helper script, a
 * `credsStore`, host matching; then against real registries (htpasswd and token auth).
 */
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CredentialError, dockerConfigCredentials, RegistryAuthError } from '../../src/registry/index.js';
import { blob } from '../support/content.js';
import { startRegistry, type TestRegistry } from '../support/registry.js';

const b64 = (s: string) => Buffer.from(s).toString('base64');

describe('docker config.json credentials', () => {
  let dir: string;
  let bin: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'ocm-docker-config-'));
    bin = join(dir, 'bin');
    mkdirSync(bin);
    // A credential helper: knows one server, says "not found" for the rest, logs what it was asked.
    const helper = (name: string, server: string, user: string, secret: string) => {
      const file = join(bin, `docker-credential-${name}`);
      writeFileSync(
        file,
        `#!/bin/sh
[ "$1" = get ] || exit 3
read -r server
echo "$server" >> "${join(dir, `${name}.log`)}"
if [ "$server" = "${server}" ]; then
  printf '{"ServerURL":"%s","Username":"%s","Secret":"%s"}' "$server" "${user}" "${secret}"
else
  echo "credentials not found in native keychain"; exit 1
fi
`,
      );
      chmodSync(file, 0o755);
    };
    helper('pass', 'helped.example:5000', 'helper-user', 'helper-secret');
    helper('store', 'stored.example', '<token>', 'refresh-from-store');
    helper('broken', 'never', 'x', 'y');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const write = (name: string, config: unknown) => {
    const d = join(dir, name);
    mkdirSync(d, { recursive: true });
    writeFileSync(join(d, 'config.json'), JSON.stringify(config));
    return d;
  };
  const env = (configDir: string) => ({ DOCKER_CONFIG: configDir, PATH: `${bin}:/usr/bin:/bin` });

  it('reads every auths form', async () => {
    const d = write('forms', {
      auths: {
        'auth.example': { auth: b64('alice:pa:ss') },
        'plain.example': { username: 'bob', password: 'pw' },
        'both.example': { auth: b64('carol:from-auth'), username: 'ignored', password: 'ignored' },
        'identity.example': { identitytoken: 'refresh-me' },
        'registry.example': { registrytoken: 'bearer-me' },
        'empty.example': {},
      },
    });
    const creds = dockerConfigCredentials({ env: env(d) });
    assert.deepEqual(await creds('auth.example'), { username: 'alice', password: 'pa:ss' });
    assert.deepEqual(await creds('plain.example'), { username: 'bob', password: 'pw' });
    assert.deepEqual(await creds('both.example'), { username: 'carol', password: 'from-auth' });
    assert.deepEqual(await creds('identity.example'), { identityToken: 'refresh-me' });
    assert.deepEqual(await creds('registry.example'), { registryToken: 'bearer-me' });
    assert.equal(await creds('empty.example'), undefined);
    assert.equal(await creds('unknown.example'), undefined);
  });

  it('matches hosts as docker does: exact key, then scheme and path stripped; port-less fallback; Docker Hub', async () => {
    const d = write('hosts', {
      auths: {
        'https://scheme.example/v1/': { auth: b64('s:1') },
        'http://plainscheme.example': { auth: b64('p:2') },
        'withport.example:5000': { auth: b64('port:3') },
        'noport.example': { auth: b64('bare:4') },
        'https://index.docker.io/v1/': { auth: b64('hub:5') },
      },
    });
    const creds = dockerConfigCredentials({ env: env(d) });
    assert.deepEqual(await creds('scheme.example'), { username: 's', password: '1' });
    assert.deepEqual(await creds('plainscheme.example'), { username: 'p', password: '2' });
    assert.deepEqual(await creds('withport.example:5000'), { username: 'port', password: '3' });
    assert.equal(
      await creds('withport.example'),
      undefined,
      'a port-specific entry is not used without the port',
    );
    assert.deepEqual(await creds('noport.example:8443'), { username: 'bare', password: '4' });
    for (const hub of ['docker.io', 'registry-1.docker.io', 'index.docker.io']) {
      assert.deepEqual(await creds(hub), { username: 'hub', password: '5' }, hub);
    }
    assert.equal(await creds('other.example'), undefined);
  });

  it('asks a credHelpers helper for its host, and falls back to auths when it knows nothing', async () => {
    const d = write('helpers', {
      credHelpers: { 'helped.example:5000': 'pass', 'unhelped.example': 'pass' },
      auths: { 'unhelped.example': { auth: b64('fallback:yes') } },
    });
    const creds = dockerConfigCredentials({ env: env(d) });
    assert.deepEqual(await creds('helped.example:5000'), {
      username: 'helper-user',
      password: 'helper-secret',
    });
    assert.deepEqual(await creds('unhelped.example'), { username: 'fallback', password: 'yes' });
    assert.equal(await creds('nohelper.example'), undefined);
  });

  it('uses credsStore for every host without a credHelpers entry; <token> means a refresh token', async () => {
    const d = write('store', { credsStore: 'store', credHelpers: { 'helped.example:5000': 'pass' } });
    const creds = dockerConfigCredentials({ env: env(d) });
    assert.deepEqual(await creds('stored.example'), { identityToken: 'refresh-from-store' });
    assert.deepEqual(await creds('helped.example:5000'), {
      username: 'helper-user',
      password: 'helper-secret',
    });
    assert.equal(await creds('elsewhere.example'), undefined);
  });

  it('finds the file through DOCKER_CONFIG, then HOME; a missing file means anonymous', async () => {
    const d = write('home/.docker', { auths: { 'home.example': { auth: b64('h:1') } } });
    const home = join(dir, 'home');
    assert.deepEqual(await dockerConfigCredentials({ env: { HOME: home } })('home.example'), {
      username: 'h',
      password: '1',
    });
    assert.deepEqual(await dockerConfigCredentials({ configFile: join(d, 'config.json') })('home.example'), {
      username: 'h',
      password: '1',
    });
    assert.equal(
      await dockerConfigCredentials({ env: { DOCKER_CONFIG: join(dir, 'nothing') } })('x.example'),
      undefined,
    );
    assert.equal(await dockerConfigCredentials({})('x.example'), undefined);
  });

  it('fails typed, without quoting the file, on broken JSON and on a missing helper', async () => {
    const d = join(dir, 'broken');
    mkdirSync(d);
    writeFileSync(join(d, 'config.json'), '{"auths": {"x": {"password": "hunter2-secret"');
    const err = await dockerConfigCredentials({ env: env(d) })('x').then(
      () => assert.fail('should fail'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof CredentialError);
    assert.ok(!String(err).includes('hunter2'));
    const missing = write('missing-helper', { credsStore: 'does-not-exist' });
    await assert.rejects(dockerConfigCredentials({ env: env(missing) })('x.example'), CredentialError);
  });
});

describe('docker config credentials against real registries', () => {
  let basic: TestRegistry;
  let token: TestRegistry;
  let dir: string;
  before(async () => {
    [basic, token] = await Promise.all([startRegistry('htpasswd'), startRegistry('token')]);
    dir = mkdtempSync(join(tmpdir(), 'ocm-docker-config-live-'));
  });
  after(async () => {
    await basic?.close();
    await token?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function roundTrip(reg: TestRegistry, config: unknown, extraEnv: Record<string, string> = {}) {
    const d = mkdtempSync(join(dir, 'cfg-'));
    writeFileSync(join(d, 'config.json'), JSON.stringify(config));
    const store = reg.open({
      credentials: dockerConfigCredentials({ env: { DOCKER_CONFIG: d, PATH: '/usr/bin:/bin', ...extraEnv } }),
    });
    try {
      const repo = store.repository('cfg/test');
      const b = blob(`via docker config ${Math.random()}`);
      await repo.push(b.descriptor, b.bytes);
      assert.equal(await repo.exists(b.descriptor), true);
    } finally {
      await store.close();
    }
  }

  it('htpasswd: auths with auth, and with username/password; a wrong password is a RegistryAuthError', async () => {
    await roundTrip(basic, { auths: { [basic.host]: { auth: b64(`${basic.username}:${basic.password}`) } } });
    await roundTrip(basic, {
      auths: { [`http://${basic.host}/v2/`]: { username: basic.username, password: basic.password } },
    });
    await assert.rejects(
      roundTrip(basic, { auths: { [basic.host]: { username: basic.username, password: 'wrong' } } }),
      RegistryAuthError,
    );
  });

  it('htpasswd: a credHelpers helper script on the PATH we pass', async () => {
    const bin = join(dir, 'bin');
    mkdirSync(bin, { recursive: true });
    const file = join(bin, 'docker-credential-live');
    writeFileSync(
      file,
      `#!/bin/sh\nread -r s\nprintf '{"ServerURL":"%s","Username":"${basic.username}","Secret":"${basic.password}"}' "$s"\n`,
    );
    chmodSync(file, 0o755);
    await roundTrip(basic, { credHelpers: { [basic.host]: 'live' } }, { PATH: `${bin}:/usr/bin:/bin` });
  });

  it('token auth: username/password for the token GET, and identitytoken for the OAuth2 refresh POST', async () => {
    const server = token.tokenServer!;
    server.requests.length = 0;
    await roundTrip(token, { auths: { [token.host]: { auth: b64(`${token.username}:${token.password}`) } } });
    assert.ok(server.requests.some((r) => r.method === 'GET' && r.authenticated));
    server.requests.length = 0;
    await roundTrip(token, { auths: { [token.host]: { identitytoken: token.refreshToken } } });
    assert.ok(server.requests.length > 0);
    assert.ok(server.requests.every((r) => r.method === 'POST' && r.authenticated));
  });
});
