/** The README's first command: the staged release on ./transport-archive, run twice. */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { projectRoot } from '../support/paths.js';
import { runNode } from '../support/spawn.js';
import { tempDir } from '../support/tmp.js';

let dir: { path: string; remove: () => Promise<void> };
before(async () => {
  dir = await tempDir();
});
after(() => dir.remove());

function mainJob(cwd: string) {
  return runNode(['--import', import.meta.resolve('tsx'), join(projectRoot, 'scripts/main-job.ts')], {
    cwd,
    env: { PATH: process.env.PATH ?? '' },
  });
}

it('builds, promotes dev -> staging -> prod, then moves only dev to the second version; a rerun ends the same', async () => {
  const first = await mainJob(dir.path);
  assert.equal(first.code, 0, first.stderr);
  const out = first.stdout;
  assert.match(out, /example\.com\/shop\/checkout\s+1\.0\.0\s+added\s+sha256:/);
  assert.match(out, /checkout:prod -> 1\.0\.0 sha256:[0-9a-f]{64} \(new\)/);
  assert.match(out, /ALIAS\s+VERSION\s+DIGEST\ndev\s+1\.0\.0 .*\nprod\s+1\.0\.0 .*\nstaging\s+1\.0\.0 /);
  assert.match(out, /checkout:dev -> 1\.1\.0 sha256:[0-9a-f]{64} \(was 1\.0\.0\)/);
  assert.match(
    out,
    /VERSION\s+ALIASES\nexample\.com\/shop\/checkout\s+1\.1\.0\s+dev\nexample\.com\/shop\/checkout\s+1\.0\.0\s+prod, staging\n/,
  );
  assert.match(out, /checkout 1\.0\.0: first release/);
  const second = await mainJob(dir.path);
  assert.equal(second.code, 0, second.stderr);
  assert.match(second.stdout, /1\.0\.0\s+skipped/);
  const tail = (s: string) =>
    s.slice(s.lastIndexOf('$ ocm get cv ./transport-archive//example.com/shop/checkout\n'));
  assert.equal(tail(second.stdout), tail(out));
});
