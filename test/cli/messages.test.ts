/** Error messages that say what to do (issue 24): each names the next step a newcomer needs. */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
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
