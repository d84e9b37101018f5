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

it('builds, promotes through the gates (refused for the soak, for approvals, for a failed check), rolls prod back, ends with the history; a rerun ends the same', async () => {
  const first = await mainJob(dir.path);
  assert.equal(first.code, 0, first.stderr);
  const out = first.stdout;
  assert.match(out, /example\.com\/shop\/checkout\s+1\.0\.0\s+added\s+sha256:/);
  assert.match(
    out,
    /^prod\s+staging\s+1h\s+yes\s+release\s+-\s+e2e by ci in staging, 2 approvals of alice\|bob$/m,
  );
  // staging through its one gate; prod refused for the soak, with the time left; a plain tag refused.
  assert.match(out, /promoted example\.com\/shop\/checkout:staging -> 1\.0\.0 sha256:[0-9a-f]{64}\n/);
  assert.match(
    out,
    /^soak\s+refused\s+in staging for \d+s of 1h: 59m\d+s left \(passes at \S+\); signed while there/m,
  );
  assert.match(first.stderr, /promotion to prod refused \(soak: in staging for \d+s of 1h/);
  assert.match(first.stderr, /prod is a stage with promotion gates; a plain tag would go around them/);
  // Evidence: CI's signed e2e run counts; prod waits for two approvals, then moves.
  assert.match(
    out,
    /^checks \(e2e\)\s+pass\s+e2e PASSED at \S+ \(signed by ci\) https:\/\/ci\.example\.com\/checkout\/runs\/101$/m,
  );
  assert.match(out, /^approvals\s+refused\s+0\/2 approvals: 2 more needed from alice, bob$/m);
  assert.match(
    first.stderr,
    /promotion to prod refused \(approvals: 0\/2 approvals: 2 more needed from alice, bob\)/,
  );
  assert.match(out, /^approvals\s+pass\s+2\/2 approvals \(alice, bob\)$/m);
  assert.match(
    out,
    /^approval\s+prod\s+approved\s+bob\s+verified\s+\S+\napproval\s+prod\s+approved\s+alice\s+verified\s+\S+\ncheck\s+e2e \(staging\)\s+PASSED\s+ci\s+verified/m,
  );
  // A failing check on a later version blocks it, naming the run.
  assert.match(
    out,
    /^checks \(e2e\)\s+refused\s+e2e FAILED at \S+ \(signed by ci\) https:\/\/ci\.example\.com\/checkout\/runs\/103: the newest result failed$/m,
  );
  // An hour later (OCM_NOW) prod takes 1.0.0, then 1.1.0, and is rolled back.
  assert.match(out, /^soak\s+pass\s+in staging for 1h\d*m? \(soak 1h\); signed while there/m);
  // Signed at staging with a fresh key (never printed); prod's signature gate verifies it.
  assert.match(out, /^signed example\.com\/shop\/checkout:1\.0\.0 as release \(RSASSA-PSS/m);
  assert.match(out, /^signed example\.com\/shop\/checkout:1\.1\.0 as release \(RSASSA-PSS/m);
  assert.match(out, /^signatures \(release\)\s+pass\s+release: verified \(RSASSA-PSS, key given\)$/m);
  assert.doesNotMatch(first.stdout + first.stderr, /PRIVATE KEY/);
  assert.match(out, /promoted example\.com\/shop\/checkout:prod -> 1\.0\.0 /);
  assert.match(out, /promoted example\.com\/shop\/checkout:prod -> 1\.1\.0 /);
  assert.match(out, /\$ ocm rollback cv \.\/transport-archive\/\/example\.com\/shop\/checkout:prod/);
  assert.match(
    out,
    /VERSION\s+ALIASES\nexample\.com\/shop\/checkout\s+1\.2\.0\s+dev, staging\nexample\.com\/shop\/checkout\s+1\.1\.0\s*\nexample\.com\/shop\/checkout\s+1\.0\.0\s+prod\n/,
  );
  assert.match(out, /checkout 1\.0\.0: first release/);
  // The history, last: a release log with the policy, the promotions (with messages) and the rollback.
  const history = out.slice(out.lastIndexOf('$ ocm get history'));
  // The prod promotions are signed by alice (--key): the history says who moved, proven.
  assert.match(history, /prod +- +1\.0\.0 +promote +\S+ +alice /);
  assert.match(history, /prod +1\.0\.0 +1\.1\.0 +promote +\S+ +alice /);
  for (const word of ['policy', 'promote', 'rollback', 'first release', 'new cart', 'cart totals wrong'])
    assert.ok(history.includes(word), `the history shows ${word}:\n${history}`);

  const second = await mainJob(dir.path);
  assert.equal(second.code, 0, second.stderr);
  assert.match(second.stdout, /1\.0\.0\s+skipped/);
  assert.match(second.stdout, /the release story has run on \.\/transport-archive already/);
  const tail = (s: string) =>
    s.slice(s.lastIndexOf('$ ocm get cv ./transport-archive//example.com/shop/checkout\n'));
  assert.equal(tail(second.stdout), tail(out));
});
