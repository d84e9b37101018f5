/** `ocm promote REPOSITORY --to STAGE --all` in-process: one plan table, one outcome per component, exit 3 if any is refused. */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { openRepository } from '../../src/open.js';
import { setStagePolicy } from '../../src/stages/policy/index.js';
import { ocm } from '../support/cli.js';
import { descriptor } from '../support/descriptors.js';
import { tempDir } from '../support/tmp.js';

let dir: { path: string; remove: () => Promise<void> };
before(async () => {
  dir = await tempDir();
  const { repository, close } = await openRepository(join(dir.path, 'ctf'), { create: true });
  const gated = 'stages:\n  - name: dev\n  - name: prod\n    from: dev\n    soak: 1h\n';
  const open = 'stages:\n  - name: dev\n  - name: prod\n    from: dev\n';
  for (const [name, doc, dev, prod] of [
    ['example.com/x/ahead', open, '1.1.0', '1.0.0'],
    ['example.com/x/even', open, '1.0.0', '1.0.0'],
    ['example.com/x/soaking', gated, '1.1.0', undefined],
    ['example.com/x/plain', undefined, '1.1.0', undefined],
  ] as const) {
    for (const v of ['1.0.0', '1.1.0']) await repository.addComponentVersion(descriptor(v, { name }));
    if (doc) await setStagePolicy(repository, name, doc);
    // A gated stage set by hand: forced (recorded so), as `tag cv --force` would.
    if (prod) await repository.addComponentVersionAlias(name, prod, 'prod', { force: true });
    await repository.addComponentVersionAlias(name, dev, 'dev');
  }
  await close();
});
after(() => dir.remove());

it('promotes what is ahead, reports the rest, exits 3 for the refused one', async () => {
  const dry = await ocm(['promote', './ctf', '--to', 'prod', '--all', '--dry-run', '-o', 'json'], {
    cwd: dir.path,
  });
  assert.equal(dry.code, 3, dry.stderr);
  assert.deepEqual(
    JSON.parse(dry.stdout).map((o: { component: string; outcome: string }) => [o.component, o.outcome]),
    [
      ['example.com/x/ahead', 'planned'],
      ['example.com/x/even', 'up to date'],
      ['example.com/x/plain', 'skipped'],
      ['example.com/x/soaking', 'refused'],
    ],
  );
  const r = await ocm(['promote', './ctf', '--to', 'prod', '--all'], { cwd: dir.path });
  assert.equal(r.code, 3, r.stderr);
  assert.match(r.stdout, /^COMPONENT\s+GATE\s+RESULT\s+DETAIL\n/);
  assert.match(r.stdout, /^example\.com\/x\/soaking\s+soak\s+refused\s+in dev for \d+s of 1h: 59m\d+s left/m);
  assert.doesNotMatch(r.stdout, /^example\.com\/x\/even\s+from/m);
  assert.match(r.stdout, /^example\.com\/x\/ahead\s+prod\s+promoted\s+prod 1\.0\.0 -> 1\.1\.0$/m);
  assert.match(r.stdout, /^example\.com\/x\/plain\s+prod\s+skipped\s+no stages document$/m);
  const again = await ocm(['promote', './ctf', '--to', 'prod', '--all', '-o', 'json'], { cwd: dir.path });
  assert.equal(
    JSON.parse(again.stdout).find((o: { component: string }) => o.component === 'example.com/x/ahead')
      .outcome,
    'up to date',
  );
  assert.equal(
    (await ocm(['promote', './ctf//example.com/x/ahead', '--to', 'prod', '--all'], { cwd: dir.path })).code,
    2,
  );
});
