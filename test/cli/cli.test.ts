/** The `ocm` commands, run in-process on CTFs: output, exit codes, error paths. */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdir, readFile, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openRepository } from '../../src/open.js';
import { ocm } from '../support/cli.js';
import { descriptor, resource } from '../support/descriptors.js';
import { fixturesDir } from '../support/paths.js';
import { tempDir } from '../support/tmp.js';

const C = 'example.com/shop/checkout';
let dir: { path: string; remove: () => Promise<void> };
let cwd: string;
const run = (...argv: string[]) => ocm(argv, { cwd });

before(async () => {
  dir = await tempDir();
  cwd = dir.path;
  const { repository, close } = await openRepository(join(cwd, 'ctf'), { create: true });
  for (const v of ['1.0.0', '1.1.0', '2.0.0-rc.1']) {
    const res = await repository.addLocalResource(C, resource('config', { version: v, type: 'plainText' }), {
      content: Buffer.from(`config ${v}\n`),
      mediaType: 'text/plain',
    });
    await repository.addComponentVersion(
      descriptor(v, {
        resources: [
          res,
          resource('image', {
            version: v,
            type: 'ociImage',
            relation: 'external',
            access: { type: 'ociArtifact', imageReference: `ghcr.io/acme/checkout:${v}` },
          }),
        ],
      }),
    );
  }
  await close();
});
after(() => dir.remove());

describe('ocm tag/untag/get', () => {
  it('promotes through stages and shows which version each alias names', async () => {
    let r = await run('tag', 'cv', `./ctf//${C}:1.0.0`, 'dev', 'staging');
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stdout,
      new RegExp(`${C}:dev -> 1.0.0 sha256:[0-9a-f]{64} \\(new\\)\\n${C}:staging -> 1.0.0`),
    );
    r = await run('tag', 'componentversion', `./ctf//${C}:staging`, 'prod');
    assert.match(r.stdout, /prod -> 1\.0\.0 .* \(new\)/);
    r = await run('tag', 'cv', `./ctf//${C}:1.1.0`, 'dev');
    assert.match(r.stdout, /dev -> 1\.1\.0 .* \(was 1\.0\.0\)/);
    r = await run('tag', 'cv', `./ctf//${C}:1.1.0`, 'dev');
    assert.match(r.stdout, /\(unchanged\)/);

    r = await run('get', 'aliases', `./ctf//${C}`);
    assert.equal(r.code, 0);
    assert.deepEqual(
      r.stdout
        .trim()
        .split('\n')
        .map((l) => l.split(/\s+/).slice(0, 2).join(' ')),
      ['ALIAS VERSION', 'dev 1.1.0', 'prod 1.0.0', 'staging 1.0.0'],
    );
    r = await run('get', 'aliases', `./ctf//${C}`, '-o', 'json');
    const aliases = JSON.parse(r.stdout);
    assert.deepEqual(
      aliases.map((a: { alias: string; version: string }) => `${a.alias}=${a.version}`),
      ['dev=1.1.0', 'prod=1.0.0', 'staging=1.0.0'],
    );
    assert.match(aliases[0].digest, /^sha256:/);

    r = await run('get', 'cv', `./ctf//${C}`);
    assert.deepEqual(
      r.stdout
        .trim()
        .split('\n')
        .slice(1)
        .map((l) => l.replace(/\s+/g, ' ')),
      [`${C} 2.0.0-rc.1`, `${C} 1.1.0 dev`, `${C} 1.0.0 prod, staging`],
    );
    r = await run('get', 'cvs', `./ctf//${C}`, '-o', 'json', '--semver-constraint', '<2.0.0-0');
    assert.deepEqual(JSON.parse(r.stdout), [
      { component: C, version: '1.1.0', aliases: ['dev'] },
      { component: C, version: '1.0.0', aliases: ['prod', 'staging'] },
    ]);
    r = await run('get', 'comp', `./ctf//${C}`, '--latest', '-o', 'yaml');
    assert.match(r.stdout, /version: 2\.0\.0-rc\.1/);

    r = await run('get', 'cv', `./ctf//${C}:prod`);
    assert.match(r.stdout, /1\.0\.0 \(prod\)\s+acme\.org\s+sha256:/);
    assert.match(r.stderr, /prod -> 1\.0\.0 \(alias, sha256:/);
    r = await run('get', 'cv', `./ctf//${C}:prod`, '-o', 'yaml');
    assert.match(r.stdout, /^component:\n/);
    assert.match(r.stdout, /version: 1\.0\.0/);
    r = await run('get', 'cv', `./ctf//${C}:latest`, '-o', 'json', '-q');
    assert.equal(JSON.parse(r.stdout).component.version, '2.0.0-rc.1');
    assert.equal(r.stderr, '', '--quiet silences notes');

    r = await run('untag', 'cv', `./ctf//${C}:staging`);
    assert.match(r.stdout, /removed .*:staging \(was 1\.0\.0/);
    r = await run('untag', 'cv', `./ctf//${C}:staging`);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /alias staging not found/);
  });

  it('--expect moves only from the expected version', async () => {
    let r = await run('tag', 'cv', `./ctf//${C}:1.1.0`, 'qa', '--expect', 'absent');
    assert.equal(r.code, 0, r.stderr);
    r = await run('tag', 'cv', `./ctf//${C}:1.0.0`, 'qa', '--expect', '1.0.0');
    assert.equal(r.code, 1);
    assert.match(r.stderr, /Error: .*alias qa points at 1\.1\.0 .*not at the expected 1\.0\.0\nHint: /);
    r = await run('get', 'cv', `./ctf//${C}:qa`, '-o', 'json', '-q');
    assert.equal(JSON.parse(r.stdout).component.version, '1.1.0');
  });

  it('refuses version-shaped aliases and removing versions', async () => {
    let r = await run('tag', 'cv', `./ctf//${C}:1.0.0`, '1.2.3');
    assert.equal(r.code, 1);
    assert.match(r.stderr, /invalid alias "1\.2\.3"/);
    r = await run('untag', 'cv', `./ctf//${C}:1.0.0`);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /not an alias/);
  });
});

describe('ocm download, transfer, gc, version', () => {
  it('downloads a local resource by alias to a file and to stdout', async () => {
    await run('tag', 'cv', `./ctf//${C}:1.1.0`, 'live');
    let r = await run('download', 'resource', `./ctf//${C}:live`, 'config', '-O', 'config.txt');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(await readFile(join(cwd, 'config.txt'), 'utf8'), 'config 1.1.0\n');
    assert.match(r.stderr, /config of .*:1\.1\.0 via live: 13 B to config\.txt/);
    r = await run('download', 'res', `./ctf//${C}:1.0.0`, 'config');
    assert.equal(r.stdout, 'config 1.0.0\n');
    r = await run('download', 'resource', `./ctf//${C}:1.0.0`, 'image');
    assert.equal(r.code, 1);
    assert.match(r.stderr, /access ociArtifact, not a local blob/);
    r = await run('download', 'resource', `./ctf//${C}:1.0.0`, 'nope', '-O', 'x');
    assert.equal(r.code, 1);
    assert.match(r.stderr, /no resource/);
  });

  it('transfers every version with aliases to a tgz and back, equal to the source', async () => {
    let r = await run('transfer', 'cv', `./ctf//${C}`, 'copy.tgz', '--copy-aliases');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim().split('\n').length, 3);
    r = await run('transfer', 'cv', `./copy.tgz//${C}`, 'back', '--copy-aliases');
    assert.equal(r.code, 0, r.stderr);
    const source = await run('get', 'cv', `./ctf//${C}`, '-o', 'json');
    const back = await run('get', 'cv', `./back//${C}`, '-o', 'json');
    assert.deepEqual(JSON.parse(back.stdout), JSON.parse(source.stdout));
    const a = await run('get', 'aliases', `./ctf//${C}`, '-o', 'json');
    const b = await run('get', 'aliases', `./back//${C}`, '-o', 'json');
    assert.deepEqual(JSON.parse(b.stdout), JSON.parse(a.stdout), 'same aliases, same digests');
    r = await run('transfer', 'cv', `./ctf//${C}:prod`, 'back');
    assert.match(r.stdout, /1\.0\.0 unchanged \(0 copied/);
  });

  it('shows progress on a terminal only, and never with -q', async () => {
    const tty = await ocm(['transfer', 'cv', `./ctf//${C}`, 'progress-a'], { cwd, tty: true });
    assert.equal(tty.code, 0, tty.stderr);
    assert.match(tty.stderr, /\rtransferring 1\/3 /);
    const quiet = await ocm(['transfer', 'cv', `./ctf//${C}`, 'progress-b', '-q'], { cwd, tty: true });
    assert.equal(quiet.stderr, '');
    const piped = await ocm(['transfer', 'cv', `./ctf//${C}`, 'progress-c'], { cwd, tty: false });
    assert.equal(piped.stderr, '');
    assert.equal(piped.stdout, quiet.stdout.replaceAll('progress-b', 'progress-c'));
  });

  it('gc reports, and does nothing on a dry run', async () => {
    // An unreferenced blob older than gc's grace period, so there is something to collect.
    const orphan = Buffer.from('orphan blob for gc');
    const orphanFile = join(
      cwd,
      'ctf',
      'blobs',
      `sha256.${createHash('sha256').update(orphan).digest('hex')}`,
    );
    await writeFile(orphanFile, orphan);
    const hourAgo = new Date(Date.now() - 3600_000);
    await utimes(orphanFile, hourAgo, hourAgo);
    const index = () => readFile(join(cwd, 'ctf', 'artifact-index.json'));
    const before = { index: await index(), blobs: (await readdir(join(cwd, 'ctf', 'blobs'))).sort() };
    const r = await run('gc', 'ctf', '--dry-run');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^would remove \d+ index entries, \d+ blobs \(.*\), \d+ temporary files\n$/);
    assert.match(r.stdout, /, [1-9]\d* blobs \(/, 'the orphan is reported');
    assert.deepEqual(
      (await readdir(join(cwd, 'ctf', 'blobs'))).sort(),
      before.blobs,
      'dry run: no blob removed',
    );
    assert.ok((await index()).equals(before.index), 'dry run: index unchanged');
    const real = await run('gc', 'ctf');
    assert.equal(real.code, 0, real.stderr);
    assert.match(real.stdout, /^removed \d+ index entries, [1-9]\d* blobs /);
    await assert.rejects(readFile(orphanFile), { code: 'ENOENT' });
    const reg = await run('gc', 'localhost:5999/x');
    assert.equal(reg.code, 2);
  });

  it('prints its version, equal to package.json', async () => {
    const r = await run('version');
    const pkg = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8'));
    assert.equal(r.stdout, `ocm-ts ${pkg.version}\n`);
  });

  it('reads every Go-written fixture CTF', async () => {
    for (const [path, component] of [
      ['ocm1-helloworld/transport-archive', 'github.com/acme.org/helloworld'],
      ['ocm1-helloworld/transport-archive.tar', 'github.com/acme.org/helloworld'],
      ['ocm1-helloworld/transport-archive.tar.gz', 'github.com/acme.org/helloworld'],
      ['ocm1-helloworld-ociartifact/with-resource', 'github.com/acme.org/helloworld'],
      ['ocm1-helloworld-ociartifact/without-resource', 'github.com/acme.org/helloworld'],
      ['ocm1-v0.18-shared-blobs', 'github.com/mandelsoft/test1'],
    ]) {
      const r = await run(
        'get',
        'cv',
        `ctf::${join(fixturesDir, 'ctf', path!)}//${component}:1.0.0`,
        '-o',
        'json',
      );
      assert.equal(r.code, 0, `${path}: ${r.stderr}`);
      const d = JSON.parse(r.stdout);
      assert.deepEqual([d.component.name, d.component.version], [component, '1.0.0']);
    }
  });
});

describe('ocm usage errors', () => {
  const cases: [string[], RegExp][] = [
    [['gti', 'cv'], /unknown command "gti"\nHint: did you mean "ocm get"/],
    [['get', 'cvv', 'x'], /unknown command "ocm get cvv"\nHint: did you mean "ocm get cv"/],
    [['get'], /ocm get needs a noun/],
    [
      ['get', 'cv', `./ctf//${C}`, '--outptu', 'json'],
      /unknown flag --outptu\nHint: did you mean --output\?/,
    ],
    [['get', 'cv', `./ctf//${C}`, '-o', 'xml'], /--output must be one of table, yaml, json/],
    [['get', 'cv', 'no-separator'], /is not a component reference\nHint: write REPOSITORY\/\/COMPONENT/],
    [['get', 'cv', './ctf//Not_A_Component'], /is not a component name/],
    [['tag', 'cv', `./ctf//${C}`, 'x'], /names no version or alias/],
    [['tag', 'cv', `./ctf//${C}:1.0.0`], /needs a reference and at least one alias/],
    [['get', 'cv', `./ctf//${C}:1.0.0`, '--latest'], /apply only when no version is named/],
    [['get', 'cv', `./ctf//${C}`, '--semver-constraint', '>>>'], /is not a semver range/],
    [['transfer', 'cv', `./ctf//${C}`, 'x', '--concurrency', '0'], /--concurrency takes a whole number/],
    [['get', 'cv', `./ctf//${C}`, '--username', 'u'], /--username needs --password-stdin/],
  ];
  for (const [argv, pattern] of cases) {
    it(`ocm ${argv.join(' ')} exits 2`, async () => {
      const r = await run(...argv);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, pattern);
      assert.equal(r.stdout, '');
      assert.doesNotMatch(r.stderr, /at .*\.ts:\d+/, 'no stack trace without --debug');
    });
  }

  it('failures are one line plus a hint, exit 1, and a stack only with --debug', async () => {
    let r = await run('get', 'cv', `./missing//${C}:1.0.0`);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^Error: no CTF at .*missing\nHint: check the path/);
    r = await run('get', 'cv', `./missing//${C}:1.0.0`, '--debug');
    assert.match(r.stderr, /\n\s+at /);
    r = await run('get', 'cv', `127.0.0.1:1//${C}:1.0.0`);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /Hint: nothing answers there/);
  });

  it('prints help for every command', async () => {
    const overview = await run('--help');
    assert.match(overview.stdout, /Commands:\n/);
    for (const name of [
      'get cv',
      'get aliases',
      'tag cv',
      'untag cv',
      'transfer cv',
      'download resource',
      'gc',
      'version',
    ]) {
      assert.match(overview.stdout, new RegExp(`  ${name} `));
      const r = await run(...name.split(' '), '--help');
      assert.equal(r.code, 0);
      assert.match(r.stdout, new RegExp(`^Usage: ocm ${name}`));
    }
  });

  it('a corrupt CTF index is a clean error', async () => {
    await writeFile(join(cwd, 'broken-index.json'), '');
    const { mkdir } = await import('node:fs/promises');
    await mkdir(join(cwd, 'broken'), { recursive: true });
    await writeFile(join(cwd, 'broken', 'artifact-index.json'), '{"schemaVersion":7}');
    const r = await run('get', 'cv', `./broken//${C}`);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^Error: artifact-index.json: schemaVersion 7 is not supported/);
  });
});
