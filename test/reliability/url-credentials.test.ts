/**
 * Regression found by the secrets test's exploration: a repository reference with a
 * `user:password@` part (`http://me:pw@registry/x`) was echoed whole by the errors of
 * `parseRepositorySpec` ("invalid registry host ...") and `parseComponentRef`, so the password ended
 * up on stderr and in CI logs. Such references are now refused, and quoted with `***` instead.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { inspect } from 'node:util';
import { parseComponentRef } from '../../src/cli/ref.js';
import { InvalidReferenceError } from '../../src/oci/errors.js';
import { openRepository, parseRepositorySpec } from '../../src/open.js';
import { ocm } from '../support/cli.js';

const SECRET = 'S3cret-in-url';

describe('credentials inside a repository reference', () => {
  it('the library refuses them without echoing the password', async () => {
    for (const ref of [
      `http://me:${SECRET}@127.0.0.1:5000/x`,
      `oci::https://me:${SECRET}@ghcr.io/org`,
      `me:${SECRET}@ghcr.io/org`,
      `oci::me:${SECRET}@localhost:5000`,
    ]) {
      for (const call of [() => parseRepositorySpec(ref), () => openRepository(ref)]) {
        let err: unknown;
        try {
          await call();
        } catch (e) {
          err = e;
        }
        assert.ok(err instanceof InvalidReferenceError, `${ref}: ${String(err)}`);
        assert.match(err.message, /\*\*\*@/);
        for (const view of [String(err), err.stack ?? '', JSON.stringify(err), inspect(err)])
          assert.ok(!view.includes(SECRET), view);
      }
    }
    // Ordinary references with ':' and '@' still parse.
    assert.equal(parseRepositorySpec('localhost:5000/a').type, 'oci');
    assert.equal(parseRepositorySpec('./dir:with@chars', '/w').type, 'ctf');
  });

  it('the CLI never prints the password, whatever the command fails on', async () => {
    const repo = `http://me:${SECRET}@127.0.0.1:5000/x`;
    for (const argv of [
      ['get', 'cv', `${repo}//example.com/a:1.0.0`],
      ['get', 'cv', repo],
      ['tag', 'cv', `${repo}//example.com/a`, 'dev'],
      ['untag', 'cv', `${repo}//example.com/a:`],
      ['transfer', 'cv', './ctf//example.com/a', repo],
      ['get', 'cv', `${repo}//example.com/a:1.0.0`, '--debug'],
    ]) {
      const r = await ocm(argv, { cwd: '/tmp' });
      assert.notEqual(r.code, 0);
      assert.ok(!r.stdout.includes(SECRET) && !r.stderr.includes(SECRET), `${argv.join(' ')}: ${r.stderr}`);
    }
    assert.throws(
      () => parseComponentRef(`http://me:${SECRET}@h:1/x`),
      (e: Error) => !e.message.includes(SECRET),
    );
  });
});
