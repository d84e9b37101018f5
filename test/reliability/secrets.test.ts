/**
 * Secrets (issue 8): with credentials configured, by a docker `config.json` (`DOCKER_CONFIG`) and by
 * `--username --password-stdin`, every ocm command is run in its failure modes (wrong password,
 * missing component, bad alias, unreachable host, bad flags), with and without `--debug` (which
 * prints stack traces); neither the password, the base64 `auth`, nor any bearer or refresh token may
 * appear in stdout or stderr. The library calls behind the commands are run in the same failure
 * modes and their errors checked in `String(err)`, `err.stack`, `JSON.stringify(err)` and `inspect`,
 * causes included. Registries: htpasswd and token (Distribution with our token server).
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { inspect } from 'node:util';
import { type Credential, dockerConfigCredentials, openRepository } from '../../src/open.js';
import { transferComponentVersion } from '../../src/repository/transfer.js';
import { type CliResult, ocm } from '../support/cli.js';
import { descriptor } from '../support/descriptors.js';
import { freePort, startRegistry, type TestRegistry } from '../support/registry.js';
import { tempDir } from '../support/tmp.js';

const COMPONENT = 'example.com/secrets/app';
const b64 = (s: string) => Buffer.from(s).toString('base64');

/** Every form a secret could leak in: itself, base64 of user:secret, and URL-encoded. */
function forms(username: string, secrets: readonly string[]): string[] {
  const out = new Set<string>();
  for (const s of secrets) {
    if (s.length < 6) continue;
    out.add(s);
    out.add(b64(`${username}:${s}`));
    out.add(encodeURIComponent(s));
  }
  return [...out];
}

function assertNoSecret(text: string, secrets: readonly string[], where: string): void {
  for (const s of secrets)
    assert.ok(!text.includes(s), `${where} leaks a secret (${s.slice(0, 4)}...): ${text.slice(0, 600)}`);
}

function errorViews(err: unknown): string {
  const e = err as Error;
  const causes: string[] = [];
  let c: unknown = e?.cause;
  for (let depth = 0; c !== undefined && depth < 10; depth++) {
    causes.push(String(c), (c as Error)?.stack ?? '', JSON.stringify(c) ?? '');
    c = (c as Error)?.cause;
  }
  return [String(e), e?.stack ?? '', JSON.stringify(e) ?? '', inspect(e, { depth: 10 }), ...causes].join(
    '\n',
  );
}

describe('secrets never leak', { concurrency: false }, () => {
  const registries: Partial<Record<'htpasswd' | 'token', TestRegistry>> = {};
  let work: { path: string; remove: () => Promise<void> };
  let ctf: string;
  let keyFile: string;
  let pubFile: string;
  let deadHost: string;
  before(async () => {
    const [h, t] = await Promise.all([startRegistry('htpasswd'), startRegistry('token')]);
    registries.htpasswd = h;
    registries.token = t;
    work = await tempDir('ocm-reliability-secrets-');
    ctf = join(work.path, 'ctf');
    const source = await openRepository(ctf, { create: true });
    try {
      await source.repository.addComponentVersion(descriptor('1.0.0', { name: COMPONENT }));
      await source.repository.addComponentVersionAlias(COMPONENT, '1.0.0', 'prod');
    } finally {
      await source.close();
    }
    const keys = generateKeyPairSync('rsa', { modulusLength: 2048 });
    keyFile = join(work.path, 'key.pem');
    pubFile = join(work.path, 'pub.pem');
    await writeFile(keyFile, keys.privateKey.export({ type: 'pkcs8', format: 'pem' }));
    await writeFile(pubFile, keys.publicKey.export({ type: 'spki', format: 'pem' }));
    deadHost = `127.0.0.1:${await freePort()}`; // nothing listens there
  });
  after(async () => {
    await registries.htpasswd?.close();
    await registries.token?.close();
    await work?.remove();
  });

  for (const variant of ['htpasswd', 'token'] as const) {
    it(`${variant}: every command in its failure modes, docker config and --password-stdin`, {
      timeout: 120_000,
    }, async () => {
      const reg = registries[variant]!;
      const user = reg.username!;
      const good = reg.password!;
      const wrong = `wrong-${good}-x`;
      const secretsNow = () =>
        forms(user, [
          good,
          wrong,
          ...(reg.refreshToken ? [reg.refreshToken] : []),
          ...(reg.tokenServer?.issued ?? []),
        ]);
      const configs = join(work.path, `docker-${variant}`);
      const writeConfig = async (name: string, auths: Record<string, unknown>) => {
        const dir = join(configs, name);
        await mkdir(dir, { recursive: true });
        await writeFile(join(dir, 'config.json'), JSON.stringify({ auths }));
        return { DOCKER_CONFIG: dir };
      };
      const goodEnv = await writeConfig('good', {
        [reg.host]: { auth: b64(`${user}:${good}`) },
        [deadHost]: { auth: b64(`${user}:${good}`) },
      });
      const wrongEnv = await writeConfig('wrong', { [reg.host]: { auth: b64(`${user}:${wrong}`) } });
      const tokenEnv = reg.refreshToken
        ? await writeConfig('identity', { [reg.host]: { identitytoken: `${reg.refreshToken}-revoked` } })
        : undefined;
      const repo = `http://${reg.host}/sec`;
      const dead = `http://${deadHost}/sec`;

      // Content on the registry to fail against: one version and an alias, with good credentials.
      const seeded = await ocm(['transfer', 'cv', `${ctf}//${COMPONENT}`, repo, '--copy-aliases'], {
        cwd: work.path,
        env: goodEnv,
      });
      assert.equal(seeded.code, 0, seeded.stderr);

      const cv = (r: string, v = ':1.0.0') => `${r}//${COMPONENT}${v}`;
      const commands: string[][] = [
        ['get', 'cv', cv(repo)],
        ['get', 'cv', cv(repo, ''), '-o', 'json'],
        ['get', 'cv', `${repo}//example.com/secrets/missing:1.0.0`],
        ['get', 'cv', cv(repo, ':9.9.9')],
        ['get', 'aliases', cv(repo, '')],
        ['tag', 'cv', cv(repo), 'staging'],
        ['tag', 'cv', cv(repo), '1.2.3'],
        ['tag', 'cv', cv(repo), 'bad/alias'],
        ['tag', 'cv', cv(repo), 'prod', '--expect', '7.7.7'],
        ['untag', 'cv', cv(repo, ':missing')],
        ['untag', 'cv', cv(repo, ':1.0.0')],
        ['transfer', 'cv', cv(ctf, ''), repo],
        ['transfer', 'cv', cv(repo), join(work.path, `out-${variant}`)],
        ['download', 'resource', cv(repo), 'nothing', '-O', join(work.path, 'nothing.bin')],
        ['gc', repo],
        ['sign', 'cv', cv(repo, ':prod'), '--signature', 's', '--private-key', keyFile],
        ['verify', 'cv', cv(repo), '--public-key', pubFile],
        ['add', 'cv', '--constructor', join(work.path, 'missing.yaml'), '--repository', repo],
        ['get', 'cv', cv(dead)],
        ['transfer', 'cv', cv(ctf, ''), dead],
        ['tag', 'cv', cv(dead), 'dev'],
        ['get', 'cv', cv(repo), '--no-such-flag'],
        ['get', 'cv', cv(repo), '--username'],
        ['version'],
      ];
      const outcomes: CliResult[] = [];
      const runAll = async (label: string, env: Record<string, string>, extra: string[], stdin?: string) => {
        const one = async (argv: string[], debug: boolean) => {
          const args = [...argv, ...extra, ...(debug ? ['--debug'] : [])];
          const r = await ocm(args, { cwd: work.path, env, ...(stdin === undefined ? {} : { stdin }) });
          outcomes.push(r);
          const where = `${label}: ocm ${args.join(' ')}`;
          assertNoSecret(r.stdout, secretsNow(), `${where} stdout`);
          assertNoSecret(r.stderr, secretsNow(), `${where} stderr`);
        };
        // Commands against the unreachable host spend their time in retry backoff: run those at once.
        const isDead = (argv: string[]) => argv.some((a) => a.includes(deadHost));
        const deadRuns = Promise.all(
          commands.filter(isDead).flatMap((argv) => [one(argv, false), one(argv, true)]),
        );
        for (const argv of commands.filter((a) => !isDead(a))) {
          await one(argv, false);
          await one(argv, true);
        }
        await deadRuns;
      };
      await runAll('docker config, right password', goodEnv, []);
      await runAll('docker config, wrong password', wrongEnv, []);
      await runAll(
        '--password-stdin, right password',
        {},
        ['--username', user, '--password-stdin'],
        `${good}\n`,
      );
      await runAll(
        '--password-stdin, wrong password',
        {},
        ['--username', user, '--password-stdin'],
        `${wrong}\n`,
      );
      if (tokenEnv) await runAll('docker config, revoked identity token', tokenEnv, []);
      // The runs failed for real, in several ways, and some succeeded.
      assert.ok(outcomes.filter((o) => o.code === 0).length > 10, 'some commands succeeded');
      assert.ok(outcomes.filter((o) => o.code === 1).length > 40, 'many commands failed');
      assert.ok(outcomes.filter((o) => o.code === 2).length > 5, 'usage errors were among them');
      assert.ok(
        outcomes.some((o) => /unauthori[sz]ed|401|credentials|denied/i.test(o.stderr)),
        'a wrong password was reported as such',
      );
      if (reg.tokenServer)
        assert.ok(reg.tokenServer.issued.length > 0, 'tokens were issued, so they were looked for');
    });

    it(`${variant}: errors of the library calls behind the commands carry no secret`, {
      timeout: 120_000,
    }, async () => {
      const reg = registries[variant]!;
      const user = reg.username!;
      const wrong = `lib-wrong-${reg.password}`;
      const credentialSets: Array<[string, Credential | ReturnType<typeof dockerConfigCredentials>]> = [
        ['right', { username: user, password: reg.password! }],
        ['wrong', { username: user, password: wrong }],
      ];
      if (reg.refreshToken)
        credentialSets.push(['identity token', { identityToken: `${reg.refreshToken}-bad` }]);
      const configDir = join(work.path, `lib-docker-${variant}`);
      await mkdir(configDir, { recursive: true });
      await writeFile(
        join(configDir, 'config.json'),
        JSON.stringify({ auths: { [reg.host]: { auth: b64(`${user}:${wrong}`) } } }),
      );
      credentialSets.push(['docker config', dockerConfigCredentials({ env: { DOCKER_CONFIG: configDir } })]);
      let errors = 0;
      for (const [label, credentials] of credentialSets) {
        for (const host of [reg.host, deadHost]) {
          const target = await openRepository(`http://${host}/sec`, {
            credentials,
            retry: { maxAttempts: 2, baseDelayMs: 5, maxDelayMs: 20 },
          });
          const source = await openRepository(ctf, { readOnly: true });
          const calls: Array<[string, () => Promise<unknown>]> = [
            [
              'get missing',
              () => target.repository.getComponentVersion('example.com/secrets/missing', '1.0.0'),
            ],
            ['get version', () => target.repository.getComponentVersion(COMPONENT, '9.9.9')],
            ['list versions', () => target.repository.listComponentVersions(COMPONENT, { verify: true })],
            ['list aliases', () => target.repository.listComponentVersionAliases(COMPONENT)],
            ['bad alias', () => target.repository.addComponentVersionAlias(COMPONENT, '1.0.0', 'bad alias')],
            [
              'alias expect',
              () =>
                target.repository.addComponentVersionAlias(COMPONENT, '1.0.0', 'prod', { expect: '3.3.3' }),
            ],
            ['untag missing', () => target.repository.removeComponentVersionAlias(COMPONENT, 'nope')],
            ['resource', () => target.repository.getLocalResource(COMPONENT, '1.0.0', { name: 'nothing' })],
            [
              'transfer',
              () =>
                transferComponentVersion(source.repository, target.repository, COMPONENT, '1.0.0', {
                  conflict: 'abort',
                }),
            ],
            ['add', () => target.repository.addComponentVersion(descriptor('1.0.0', { name: COMPONENT }))],
          ];
          try {
            for (const [what, call] of calls) {
              try {
                await call();
              } catch (err) {
                errors++;
                const secrets = forms(user, [
                  reg.password!,
                  wrong,
                  ...(reg.refreshToken ? [reg.refreshToken] : []),
                  ...(reg.tokenServer?.issued ?? []),
                ]);
                assertNoSecret(
                  errorViews(err),
                  secrets,
                  `${label} ${host === deadHost ? 'unreachable' : ''} ${what}`,
                );
              }
            }
          } finally {
            await target.close();
            await source.close();
          }
        }
      }
      assert.ok(errors >= credentialSets.length * 12, `only ${errors} errors were examined`);
    });
  }
});
