/**
 * Authentication flows against the real registry, and the request counts the design promises,
 * measured through the `onRequest` hook.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { request } from 'undici';
import { RegistryAuthError, type RequestEvent } from '../../src/registry/index.js';
import { blob, collect, manifest } from '../support/content.js';
import { rejection, startRegistry, type TestRegistry } from '../support/registry.js';

async function seed(reg: TestRegistry, repoName: string, tags: readonly string[]) {
  const store = reg.open();
  try {
    const repo = store.repository(repoName);
    const config = blob('{}', 'application/vnd.oci.empty.v1+json');
    await repo.push(config.descriptor, config.bytes);
    const m = manifest([], config);
    await repo.push(m.descriptor, m.bytes);
    for (const t of tags) await repo.tag(m.descriptor, t);
    return m;
  } finally {
    await store.close();
  }
}

describe('token auth', () => {
  let reg: TestRegistry;
  before(async () => {
    reg = await startRegistry('token');
  });
  after(() => reg?.close());

  it('caches tokens per scope set: after authentication, resolve is one request and fetchReference one', async () => {
    const m = await seed(reg, 'auth/count', ['1.0.0', 'prod']);
    const events: RequestEvent[] = [];
    const store = reg.open({ onRequest: (e) => events.push(e) });
    try {
      const repo = store.repository('auth/count');
      await repo.resolve('1.0.0'); // learns the challenge, fetches a pull token
      const tokenHost = new URL(reg.tokenServer!.realm).host;
      assert.equal(events.filter((e) => e.host === tokenHost).length, 1);
      events.length = 0;
      assert.equal((await repo.resolve('prod')).digest, m.descriptor.digest);
      assert.equal(events.length, 1, 'resolve: one HEAD');
      events.length = 0;
      const got = await repo.fetchReference('prod');
      got.content.destroy();
      assert.equal(events.length, 1, 'fetchReference: one GET');
      events.length = 0;
      assert.deepEqual(await collect(repo.tags()), ['1.0.0', 'prod']);
      assert.equal(events.length, 1, 'one page of tags: one request');
      // A push needs pull,push: one more token, then it serves reads too.
      events.length = 0;
      const b = blob('push scope');
      await repo.push(b.descriptor, b.bytes);
      await repo.exists(b.descriptor);
      assert.equal(events.filter((e) => e.host === tokenHost).length, 1);
    } finally {
      await store.close();
    }
  });

  it('accepts a registry token as it is, without asking the token server', async () => {
    await seed(reg, 'auth/registrytoken', ['1.0.0']);
    const url = new URL(reg.tokenServer!.realm);
    url.searchParams.set('service', 'test-registry');
    url.searchParams.set('scope', 'repository:auth/registrytoken:pull');
    const res = await request(url, {
      headers: {
        authorization: `Basic ${Buffer.from(`${reg.username}:${reg.password}`).toString('base64')}`,
      },
    });
    const { token } = (await res.body.json()) as { token: string };
    const before = reg.tokenServer!.requests.length;
    const store = reg.open({ credentials: { registryToken: token } });
    try {
      await store.repository('auth/registrytoken').resolve('1.0.0');
      assert.equal(reg.tokenServer!.requests.length, before);
    } finally {
      await store.close();
    }
  });

  it('refuses anonymous access and bad passwords with RegistryAuthError', async () => {
    await seed(reg, 'auth/denied', ['1.0.0']);
    const anon = reg.open({ credentials: undefined });
    const wrong = reg.open({ credentials: { username: reg.username!, password: 'wrong' } });
    try {
      await assert.rejects(anon.repository('auth/denied').resolve('1.0.0'), RegistryAuthError);
      await assert.rejects(wrong.repository('auth/denied').resolve('1.0.0'), RegistryAuthError);
    } finally {
      await anon.close();
      await wrong.close();
    }
  });
});

describe('token auth answering access_token', () => {
  let reg: TestRegistry;
  before(async () => {
    reg = await startRegistry('token', { accessTokenField: true });
  });
  after(() => reg?.close());

  it('uses access_token when the token server sends it', async () => {
    const m = await seed(reg, 'auth/access', ['1.0.0']);
    const store = reg.open();
    try {
      assert.equal((await store.repository('auth/access').resolve('1.0.0')).digest, m.descriptor.digest);
    } finally {
      await store.close();
    }
  });
});

describe('token auth with short-lived tokens', () => {
  let reg: TestRegistry;
  before(async () => {
    // Tokens announce 11 s; we renew 10 s early, so each serves about one second.
    reg = await startRegistry('token', { tokenExpiresIn: 11 });
  });
  after(() => reg?.close());

  it('fetches a new token when the cached one is about to expire', async () => {
    await seed(reg, 'auth/expiry', ['1.0.0']);
    const store = reg.open();
    try {
      const repo = store.repository('auth/expiry');
      const server = reg.tokenServer!;
      const before = server.requests.length;
      await repo.resolve('1.0.0');
      await repo.resolve('1.0.0');
      assert.equal(server.requests.length, before + 1, 'one token for both');
      await new Promise((r) => setTimeout(r, 1200));
      await repo.resolve('1.0.0');
      assert.equal(server.requests.length, before + 2, 'a fresh token after expiry');
    } finally {
      await store.close();
    }
  });
});

describe('basic auth (htpasswd)', () => {
  let reg: TestRegistry;
  before(async () => {
    reg = await startRegistry('htpasswd');
  });
  after(() => reg?.close());

  it('answers the Basic challenge once, then sends credentials up front', async () => {
    await seed(reg, 'auth/basic', ['1.0.0']);
    const events: RequestEvent[] = [];
    const store = reg.open({ onRequest: (e) => events.push(e) });
    try {
      const repo = store.repository('auth/basic');
      await repo.resolve('1.0.0');
      assert.equal(events.length, 2, '401, then the request with credentials');
      events.length = 0;
      await repo.resolve('1.0.0');
      assert.equal(events.length, 1);
    } finally {
      await store.close();
    }
  });

  it('fails with RegistryAuthError without credentials', async () => {
    const store = reg.open({ credentials: undefined });
    try {
      const err = await rejection(store.repository('auth/basic').resolve('1.0.0'));
      assert.ok(err instanceof RegistryAuthError);
      assert.equal(err.status, 401);
      assert.equal(err.code, 'REGISTRY_UNAUTHORIZED');
    } finally {
      await store.close();
    }
  });
});

describe('TLS', () => {
  let reg: TestRegistry;
  before(async () => {
    reg = await startRegistry('tls');
  });
  after(() => reg?.close());

  it('refuses a registry whose CA we were not given, with a typed, non-temporary error', async () => {
    const store = reg.open({ caFile: undefined, retry: { maxAttempts: 1 } });
    try {
      const err = await rejection(store.ping());
      assert.equal((err as { code?: string }).code, 'REGISTRY_ERROR');
      assert.equal((err as { temporary?: boolean }).temporary, false);
    } finally {
      await store.close();
    }
  });

  it('trusts the test CA given as a file', async () => {
    const store = reg.open();
    try {
      await store.ping();
    } finally {
      await store.close();
    }
  });
});
