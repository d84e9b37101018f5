/** `ocm set stages` / `ocm get stages` in-process: --all, output formats, refusals that write nothing. */
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { openRepository } from '../../src/open.js';
import { ocm } from '../support/cli.js';
import { descriptor } from '../support/descriptors.js';
import { tempDir } from '../support/tmp.js';

let dir: { path: string; remove: () => Promise<void> };
const names = ['example.com/a/one', 'example.com/a/two', 'example.com/b/three'];
const doc = 'stages:\n  - name: dev\n  - name: prod\n    from: dev\n    soak: 2d\n';

before(async () => {
  dir = await tempDir();
  const { repository, close } = await openRepository(join(dir.path, 'ctf'), { create: true });
  for (const name of names) await repository.addComponentVersion(descriptor('1.0.0', { name }));
  await close();
  await writeFile(join(dir.path, 'stages.yaml'), doc);
  await writeFile(
    join(dir.path, 'bad.yaml'),
    'stages:\n  - name: dev\n    colour: red\n  - name: bad name\n',
  );
});
after(() => dir.remove());

const run = (...args: string[]) => ocm(args, { cwd: dir.path });

it('sets one document on every component with --all, and reads it back as written, as JSON and as a table', async () => {
  const set = await run('set', 'stages', './ctf', '--all', '--file', 'stages.yaml', '-o', 'json');
  assert.equal(set.code, 0, set.stderr);
  const rows = JSON.parse(set.stdout) as { component: string; status: string; digest: string }[];
  assert.deepEqual(
    rows.map((r) => [r.component, r.status]),
    [...names].sort().map((n) => [n, 'set']),
  );
  for (const name of names) {
    const yaml = await run('get', 'stages', `./ctf//${name}`, '-o', 'yaml');
    assert.equal(yaml.stdout, doc);
  }
  const json = await run('get', 'stages', './ctf//example.com/a/one', '-o', 'json');
  assert.deepEqual(JSON.parse(json.stdout), {
    stages: [{ name: 'dev' }, { name: 'prod', from: 'dev', soak: '2d' }],
  });
  const table = await run('get', 'stages', './ctf//example.com/a/one');
  assert.match(
    table.stdout,
    /^STAGE\s+FROM\s+SOAK\s+FORWARD-ONLY\s+SIGNATURES\s+FREEZE\s+EVIDENCE\ndev\s+-\s+-\s+no\s+-\s+-\s+-\nprod\s+dev\s+2d\s+no\s+-\s+-\s+-\n$/,
  );
  assert.match(table.stderr, /^stages document sha256:[0-9a-f]{64}\n$/);
  const again = await run('set', 'stages', './ctf//example.com/a/one', '--file', 'stages.yaml');
  assert.match(again.stdout, /example\.com\/a\/one\s+unchanged\s+sha256:/);
});

it('refuses a bad document with every path named, writing nothing; usage errors exit 2', async () => {
  const index = await readFile(join(dir.path, 'ctf', 'artifact-index.json'), 'utf8');
  const bad = await run('set', 'stages', './ctf', '--all', '--file', 'bad.yaml');
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /^Error: invalid stages document \(2 problems\): /);
  assert.match(bad.stderr, /stages\[0\]\.colour: is not allowed here/);
  assert.match(bad.stderr, /stages\[1\]\.name: /);
  assert.equal(await readFile(join(dir.path, 'ctf', 'artifact-index.json'), 'utf8'), index);

  assert.equal((await run('set', 'stages', './ctf//example.com/a/one')).code, 2);
  assert.equal(
    (await run('set', 'stages', './ctf//example.com/a/one:1.0.0', '--file', 'stages.yaml')).code,
    2,
  );
  assert.equal(
    (await run('set', 'stages', './ctf//example.com/a/one', '--all', '--file', 'stages.yaml')).code,
    2,
  );
  const none = await run('get', 'stages', './ctf//example.com/a/none');
  assert.equal(none.code, 1);
  assert.match(none.stderr, /example\.com\/a\/none has no stages document/);
});
