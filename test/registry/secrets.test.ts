/** Passwords and tokens never appear in errors: not in messages, `String(err)`, JSON or `inspect`. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { inspect } from 'node:util';
import { NotFoundError } from '../../src/errors.js';
import { RegistryError, type RequestEvent, redactUrl } from '../../src/registry/index.js';
import { blob, manifest } from '../support/content.js';
import { rejection, startRegistry, type TestRegistry } from '../support/registry.js';

function assertClean(err: unknown, secrets: readonly string[]): void {
  assert.ok(err instanceof Error, 'an error was thrown');
  const views = [err.message, String(err), JSON.stringify(err), inspect(err, { depth: 10 }), err.stack ?? ''];
  for (const secret of secrets) {
    for (const view of views) assert.ok(!view.includes(secret), `secret leaked into ${view.slice(0, 200)}`);
  }
}

describe('no secrets in errors', () => {
  let basic: TestRegistry;
  let token: TestRegistry;
  before(async () => {
    [basic, token] = await Promise.all([startRegistry('htpasswd'), startRegistry('token')]);
  });
  after(async () => {
    await basic?.close();
    await token?.close();
  });

  it('basic auth: a wrong password is not in the error, nor its base64', async () => {
    const password = 'wrong-password-s3cret';
    const events: RequestEvent[] = [];
    const store = basic.open({
      credentials: { username: basic.username!, password },
      onRequest: (e) => events.push(e),
    });
    try {
      const err = await rejection(store.repository('sec/a').resolve('x'));
      assertClean(err, [password, Buffer.from(`${basic.username}:${password}`).toString('base64')]);
      assertClean(new Error(JSON.stringify(events)), [password]);
    } finally {
      await store.close();
    }
  });

  it('token auth: neither the password nor any issued token is in errors after authentication', async () => {
    // Without our own pre-check, so that the registry itself refuses the manifest.
    const store = token.open({ verifyManifestReferences: false });
    try {
      const repo = store.repository('sec/b');
      const config = blob('{}', 'application/vnd.oci.empty.v1+json');
      await repo.push(config.descriptor, config.bytes);
      // Errors raised after tokens were issued: a missing tag, a manifest with missing content.
      const notFound = await rejection(repo.resolve('missing'));
      const dangling = manifest([blob('absent')], config);
      const refused = await rejection(repo.push(dangling.descriptor, dangling.bytes));
      assert.ok(refused instanceof NotFoundError, 'MANIFEST_BLOB_UNKNOWN becomes NotFoundError');
      assert.ok(
        (refused as Error).cause instanceof RegistryError &&
          ((refused as Error).cause as RegistryError).hasCode('MANIFEST_BLOB_UNKNOWN'),
      );
      const issued = token.tokenServer!.issued;
      assert.ok(issued.length > 0);
      for (const err of [notFound, refused]) assertClean(err, [token.password!, ...issued]);
    } finally {
      await store.close();
    }
    const wrong = token.open({ credentials: { username: token.username!, password: 'tok-wrong-s3cret' } });
    try {
      assertClean(await rejection(wrong.repository('sec/b').resolve('x')), ['tok-wrong-s3cret']);
    } finally {
      await wrong.close();
    }
    const refresh = token.open({ credentials: { identityToken: 'refresh-wrong-s3cret' } });
    try {
      assertClean(await rejection(refresh.repository('sec/b').resolve('x')), ['refresh-wrong-s3cret']);
    } finally {
      await refresh.close();
    }
  });

  it('redacts user-info and session state in URLs', () => {
    const red = redactUrl(
      'https://user:pa55@r.example/v2/a/blobs/uploads/u?_state=abc&digest=sha256:00&token=t0k',
    );
    assert.ok(!red.includes('pa55') && !red.includes('abc') && !red.includes('t0k'));
    assert.ok(red.includes('digest=sha256'));
  });
});
