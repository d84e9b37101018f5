/** Error messages that say what to do (issue 24): each names the next step a newcomer needs. */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openRepository } from '../../src/open.js';
import { ocm } from '../support/cli.js';
import { descriptor } from '../support/descriptors.js';
import { tempDir } from '../support/tmp.js';

const C = 'example.com/shop/checkout';
let ws: { path: string; remove: () => Promise<void> };
const run = (...argv: string[]) => ocm(argv, { cwd: ws.path });

before(async () => {
  ws = await tempDir();
  const { repository, close } = await openRepository(join(ws.path, 'ctf'), { create: true });
  for (const v of ['1.0.0', '1.1.0']) await repository.addComponentVersion(descriptor(v));
  await repository.addComponentVersionAlias(C, '1.0.0', 'prod');
  await close();
});
after(() => ws?.remove());

it('add cv without a constructor file names the file and the flag, not an input path', async () => {
  const r = await run('add', 'cv', '--repository', './ctf');
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^Error: component constructor ".*component-constructor\.yaml" does not exist\n/);
  assert.match(r.stderr, /\nHint: name it with --constructor FILE/);
  assert.doesNotMatch(r.stderr, /input path/);
});

it('a version that exists already names the flag: --conflict replace', async () => {
  const r = await run('transfer', 'cv', `./ctf//${C}:1.0.0`, './ctf2');
  assert.equal(r.code, 0, r.stderr);
  const other = await openRepository(join(ws.path, 'ctf3'), { create: true });
  await other.repository.addComponentVersion(descriptor('1.0.0', { provider: 'someone else' }));
  await other.close();
  const clash = await run('transfer', 'cv', `./ctf3//${C}:1.0.0`, './ctf2');
  assert.equal(clash.code, 1);
  assert.match(
    clash.stderr,
    /exists already\nHint: pass --conflict replace to overwrite it, or --conflict skip/,
  );
});

it('ocm tag REF ALIAS (the noun left out) suggests "ocm tag cv REF ALIAS"', async () => {
  const r = await run('tag', `./ctf//${C}:1.0.0`, 'qa');
  assert.equal(r.code, 2);
  assert.equal(
    r.stderr,
    `Error: ocm tag needs a noun before the reference\nHint: did you mean "ocm tag cv ./ctf//${C}:1.0.0 qa"?\n`,
  );
});

describe('promote', () => {
  const ref = `./stages//${C}`;
  const stages = `stages:
  - name: dev
  - name: staging
    from: dev
  - name: prod
    from: staging
    soak: 1h
  - name: hotfix
`;
  const later = { OCM_NOW: new Date(Date.now() + 2 * 3_600_000).toISOString().replace(/\.\d{3}Z$/, 'Z') };
  before(async () => {
    const { repository, close } = await openRepository(join(ws.path, 'stages'), { create: true });
    for (const v of ['1.0.0', '1.1.0']) await repository.addComponentVersion(descriptor(v));
    await close();
    await writeFile(join(ws.path, 'stages.yaml'), stages);
    for (const argv of [
      ['set', 'stages', ref, '--file', 'stages.yaml'],
      ['tag', 'cv', `${ref}:1.0.0`, 'dev'],
      ['promote', 'cv', ref, '--to', 'staging'],
    ]) {
      const r = await run(...argv);
      assert.equal(r.code, 0, r.stderr);
    }
  });

  it('a stage that holds the candidate already: "nothing to do", and no gate rows (no refused soak)', async () => {
    const moved = await ocm(['promote', 'cv', ref, '--to', 'prod'], { cwd: ws.path, env: later });
    assert.equal(moved.code, 0, moved.stderr);
    const again = await run('promote', 'cv', ref, '--to', 'prod');
    assert.equal(again.code, 0, again.stderr);
    assert.equal(again.stdout, `${C}: prod 1.0.0 -> 1.0.0 from staging\n`);
    assert.match(again.stderr, /prod holds 1\.0\.0 already; nothing to do/);
  });

  it('--from names the source of a stage without a from rule; a stage with one refuses another', async () => {
    const hotfix = await run('promote', 'cv', ref, '--to', 'hotfix', '--from', 'staging');
    assert.equal(hotfix.code, 0, hotfix.stderr);
    assert.match(hotfix.stdout, /promoted example\.com\/shop\/checkout:hotfix -> 1\.0\.0 /);
    assert.equal((await run('tag', 'cv', `${ref}:1.1.0`, 'dev')).code, 0);
    const other = await ocm(['promote', 'cv', ref, '--to', 'prod', '--from', 'dev'], {
      cwd: ws.path,
      env: later,
    });
    assert.equal(other.code, 3);
    assert.match(other.stdout, /^from\s+refused\s+prod takes versions from staging, not from dev$/m);
    const help = await run('promote', '--help');
    assert.match(help.stdout, /--from STAGE\s+for a stage without a from rule: take what STAGE holds/);
  });
});

describe('get history', () => {
  const ref = `./history//${C}`;
  before(async () => {
    const { repository, close } = await openRepository(join(ws.path, 'history'), { create: true });
    for (const v of ['1.0.0', '1.1.0', '1.2.0']) await repository.addComponentVersion(descriptor(v));
    await close();
    await writeFile(join(ws.path, 'gated.yaml'), 'stages:\n  - name: dev\n  - name: prod\n    from: dev\n');
    for (const argv of [
      ['tag', 'cv', `${ref}:1.0.0`, 'dev'],
      ['tag', 'cv', `${ref}:1.1.0`, 'dev'],
      ['tag', 'cv', `${ref}:1.2.0`, 'dev'],
      ['tag', 'cv', `${ref}:1.0.0`, 'qa'],
      ['set', 'stages', ref, '--file', 'gated.yaml'],
      ['tag', 'cv', `${ref}:1.0.0`, 'prod', '--force'],
    ]) {
      const r = await run(...argv);
      assert.equal(r.code, 0, r.stderr);
    }
    // qa moved around ocm-ts: an untracked row.
    const opened = await openRepository(join(ws.path, 'history'));
    const store = opened.repository.ociStore(C);
    await store.tag(await store.resolve('1.1.0'), 'qa');
    await opened.close();
  });

  it('--limit 3 prints 3 rows, an untracked row among them', async () => {
    const r = await run('get', 'history', ref, '--limit', '3');
    assert.equal(r.code, 0, r.stderr);
    const rows = r.stdout.trimEnd().split('\n').slice(1);
    assert.equal(rows.length, 3, r.stdout);
    assert.match(rows[0]!, /^-\s+qa\s+1\.0\.0\s+1\.1\.0\s+untracked\s/);
    const j = await run('get', 'history', ref, '--limit', '3', '-o', 'json');
    assert.equal(JSON.parse(j.stdout).length, 3);
  });

  it('a forced move shows as forced in the table', async () => {
    const r = await run('get', 'history', `${ref}:prod`);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^\S+\s+prod\s+-\s+1\.0\.0\s+tag \(forced\)\s/m);
  });
});

it('a version, alias or resource not found: what exists, and the nearest name', async () => {
  const alias = await run('get', 'cv', `./ctf//${C}:prdo`);
  assert.equal(alias.code, 1);
  assert.equal(
    alias.stderr,
    `Error: ${C}: no version or alias prdo\nHint: did you mean "prod"? versions: 1.1.0, 1.0.0; aliases: prod\n`,
  );
  const version = await run('get', 'cv', `./ctf//${C}:1.2.0`);
  assert.equal(version.code, 1);
  assert.match(version.stderr, /Hint: did you mean "1\.1\.0"\? versions: 1\.1\.0, 1\.0\.0; aliases: prod\n$/);
  const none = await run('get', 'cv', `./ctf//example.com/other:1.0.0`);
  assert.match(none.stderr, /Hint: example\.com\/other has no versions here\n$/);

  await writeFile(
    join(ws.path, 'res.yaml'),
    `name: ${C}\nversion: 2.0.0\nprovider: {name: acme}\nresources:\n  - {name: config, type: plainText, input: {type: utf8, text: x}}\n  - {name: notes, type: plainText, input: {type: utf8, text: y}}\n`,
  );
  assert.equal((await run('add', 'cv', '--constructor', 'res.yaml', '--repository', './ctf')).code, 0);
  const resource = await run('download', 'resource', `./ctf//${C}:2.0.0`, 'confg');
  assert.equal(resource.code, 1);
  assert.equal(
    resource.stderr,
    `Error: ${C}:2.0.0: no resource {"name":"confg"}\nHint: did you mean "config"? its resources: config, notes\n`,
  );
});
