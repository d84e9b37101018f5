/**
 * A bearer token the registry rejects as expired (its `exp` claim is past, though the token server
 * announced a longer `expires_in`): the client drops it, asks the token server once more and
 * succeeds; when every new token is refused too, it fails with a typed error after one retry
 * instead of looping. Real Distribution registry in token mode; the token server counts requests.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { RegistryAuthError, type RequestEvent } from '../../src/registry/index.js';
import { blob, manifest } from '../support/content.js';
import { rejection, startRegistry, type TestRegistry } from '../support/registry.js';

describe('token auth: a token the registry rejects as expired', () => {
  let reg: TestRegistry;
  before(async () => {
    reg = await startRegistry('token');
  });
  after(() => reg?.close());

  async function seed(repoName: string) {
    const store = reg.open();
    try {
      const repo = store.repository(repoName);
      const config = blob('{}', 'application/vnd.oci.empty.v1+json');
      await repo.push(config.descriptor, config.bytes);
      const m = manifest([], config, repoName);
      await repo.push(m.descriptor, m.bytes);
      await repo.tag(m.descriptor, '1.0.0');
      return m;
    } finally {
      await store.close();
    }
  }

  it('re-authenticates once with a fresh token, then succeeds; later requests reuse the fresh token', async () => {
    await seed('expiry/warm');
    const m = await seed('expiry/target');
    const server = reg.tokenServer!;
    const tokenHost = new URL(server.realm).host;
    const events: RequestEvent[] = [];
    const store = reg.open({ onRequest: (e) => events.push(e) });
    try {
      // Learn the Bearer challenge with a valid token for another repository.
      await store.repository('expiry/warm').resolve('1.0.0');
      server.expireNext(1);
      const requestsBefore = server.requests.length;
      events.length = 0;
      const got = await store.repository('expiry/target').resolve('1.0.0');
      assert.equal(got.digest, m.descriptor.digest);
      assert.equal(server.expiredIssued, 1, 'the first token for the new scope was issued expired');
      assert.equal(server.requests.length - requestsBefore, 2, 'the expired token, then one fresh token');
      const toRegistry = events.filter((e) => e.host !== tokenHost).map((e) => e.method);
      assert.deepEqual(toRegistry, ['HEAD', 'HEAD'], 'the refused request and one retry');
      // The refused token is forgotten: the next request uses the fresh one, no token request.
      events.length = 0;
      assert.equal((await store.repository('expiry/target').resolve('1.0.0')).digest, m.descriptor.digest);
      assert.equal(server.requests.length - requestsBefore, 2);
      assert.deepEqual(
        events.map((e) => e.method),
        ['HEAD'],
      );
    } finally {
      await store.close();
    }
  });

  it('when the fresh token is refused too, fails with RegistryAuthError after one retry, no loop', async () => {
    await seed('expiry/warm2');
    await seed('expiry/always');
    const server = reg.tokenServer!;
    const store = reg.open();
    try {
      await store.repository('expiry/warm2').resolve('1.0.0');
      server.expireNext(1000);
      const requestsBefore = server.requests.length;
      const err = await rejection(store.repository('expiry/always').resolve('1.0.0'));
      assert.ok(err instanceof RegistryAuthError, String(err));
      assert.equal(server.requests.length - requestsBefore, 2, 'one token, one re-authentication');
      for (const token of server.issued) assert.ok(!String(err).includes(token), 'no token in the error');
    } finally {
      server.expireNext(0);
      await store.close();
    }
  });
});
