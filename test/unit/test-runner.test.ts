/**
 * The test command itself (scripts/test.mjs --tests-only, on the files in test/support/runner-fixtures):
 * a hung test or hook fails after the per-test limit, a skipped or todo test fails the run unless
 * the allow-list names it with a reason, and a limit of zero is refused.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { projectRoot } from '../support/paths.js';
import { tempDir } from '../support/tmp.js';

const fixture = (name: string) => `test/support/runner-fixtures/${name}.ts`;

/** Runs the test command; stops it (it passes SIGTERM on to the tests) after 50 s. */
function runTests(files: string[], env: Record<string, string> = {}) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    execFile(
      process.execPath,
      [join(projectRoot, 'scripts/test.mjs'), '--tests-only', ...files],
      {
        cwd: projectRoot,
        env: { PATH: process.env.PATH ?? '', OCM_TEST_TIMEOUT_S: '2', ...env },
        timeout: 50_000,
        killSignal: 'SIGTERM',
      },
      (err, stdout, stderr) =>
        resolve({ code: err ? (typeof err.code === 'number' ? err.code : null) : 0, stdout, stderr }),
    );
  });
}

describe('the test command', () => {
  it('fails a hung test and a hung hook after the per-test limit, and runs the rest', async () => {
    const started = Date.now();
    const r = await runTests([fixture('hang')]);
    assert.equal(r.code, 1, r.stdout);
    assert.match(r.stdout, /^not ok \d+ - hangs$/m);
    assert.match(r.stdout, /error: 'test timed out after 2000ms'/);
    assert.match(r.stdout, /^not ok \d+ - a suite whose hook hangs$/m);
    assert.match(r.stdout, /error: 'failed running before hook'/);
    assert.match(r.stdout, /^ok \d+ - passes$/m);
    assert.match(r.stdout, /^# pass 1$/m, "node's closing lines are kept");
    assert.ok(Date.now() - started < 60_000, 'the open handle of the hung test does not hold the run');
  });

  it('fails a run with a skipped or todo test that the allow-list does not name with a reason', async () => {
    const r = await runTests([fixture('skip')]);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /^# pass 1$/m);
    assert.match(r.stderr, /2 skipped or todo tests not listed with a reason in test\/skips\.json/);
    assert.match(r.stderr, /skip "skipped on purpose" \(.*\): a reason/);
    assert.match(r.stderr, /todo "still to write"/);

    const dir = await tempDir();
    try {
      const list = join(dir.path, 'skips.json');
      await writeFile(list, JSON.stringify({ 'skipped on purpose': 'a reason', 'still to write': '' }));
      const half = await runTests([fixture('skip')], { OCM_TEST_SKIPS: list });
      assert.equal(half.code, 1, 'a listing without a reason does not count');
      assert.doesNotMatch(half.stderr, /skipped on purpose/);
      assert.match(half.stderr, /todo "still to write"/);
      await writeFile(list, JSON.stringify({ 'skipped on purpose': 'a reason', 'still to write': 'later' }));
      const listed = await runTests([fixture('skip')], { OCM_TEST_SKIPS: list });
      assert.equal(listed.code, 0, listed.stderr);
    } finally {
      await dir.remove();
    }
  });

  it('refuses a limit of zero or a non-number', async () => {
    for (const [name, value] of [
      ['OCM_TEST_TIMEOUT_S', '0'],
      ['OCM_TEST_RUN_MINUTES', 'ten'],
    ] as const) {
      const r = await runTests([fixture('skip')], { [name]: value });
      assert.equal(r.code, 1);
      assert.match(r.stderr, new RegExp(`${name} must be a whole number above 0, not "${value}"`));
    }
  });
});
