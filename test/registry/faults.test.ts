/**
 * A fault-injecting proxy between our store and a real registry: every operation completes through
 * retries or fails with a typed error, no manifest lands whose content is missing, and the run is
 * bounded in requests and time.
 */
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { NotFoundError } from '../../src/errors.js';
import { fetchAll, readAll } from '../../src/oci/content/read.js';
import { parseManifest, referencedDescriptors } from '../../src/oci/manifest.js';
import { RegistryError, type RegistryStore } from '../../src/registry/index.js';
import { blob, manifest, randomBlob } from '../support/content.js';
import { startFaultProxy } from '../support/fault-proxy.js';
import { rejection, startRegistry, type TestRegistry } from '../support/registry.js';

const fastRetry = { maxAttempts: 8, baseDelayMs: 10, maxDelayMs: 100 };

describe('registry store through a faulty network', () => {
  let reg: TestRegistry;
  let direct: RegistryStore;
  const opened: { close(): Promise<void> }[] = [];
  before(async () => {
    reg = await startRegistry('anonymous');
    direct = reg.open();
  });
  after(async () => {
    for (const c of opened) await c.close();
    await direct?.close();
    await reg?.close();
  });

  async function through(proxyOptions: Omit<Parameters<typeof startFaultProxy>[0], 'target'>, extra = {}) {
    const proxy = await startFaultProxy({ target: reg.host, ...proxyOptions });
    const store = reg.open({ host: proxy.host, retry: fastRetry, ...extra });
    opened.push(store, proxy);
    return { proxy, store };
  }

  it('pushes and pulls artifacts through 503s, 429s, resets and truncated bodies', async () => {
    const started = Date.now();
    const { proxy, store } = await through(
      {
        rates: { status503: 0.08, status429: 0.03, resetBefore: 0.05, resetAfter: 0.05, truncate: 0.08 },
        retryAfterSeconds: 0,
        maxFaults: 60,
        seed: 7,
      },
      // Small thresholds so that chunked uploads and their recovery are exercised too.
      { monolithicMaxSize: 64 * 1024, chunkSize: 64 * 1024 },
    );
    const failures: string[] = [];
    let completed = 0;
    for (let i = 0; i < 8; i++) {
      const repoName = `faults/a${i}`;
      const repo = store.repository(repoName);
      const config = blob('{}', 'application/vnd.oci.empty.v1+json');
      const small = blob(`small layer ${i}`);
      const big = randomBlob(200 * 1024 + i);
      const m = manifest([small, big], config);
      // A user pushes again when a push fails; a failure must be typed and leave nothing half-done.
      for (let attempt = 1; attempt <= 3; attempt++) {
        try {
          await repo.push(config.descriptor, config.bytes);
          await repo.push(small.descriptor, Readable.from([small.bytes]));
          const parts = [];
          for (let o = 0; o < big.bytes.byteLength; o += 30_000)
            parts.push(big.bytes.subarray(o, o + 30_000));
          await repo.push(big.descriptor, Readable.from(parts));
          await repo.push(m.descriptor, m.bytes);
          await repo.tag(m.descriptor, 'v1');
          // Read everything back through the faults, verified.
          assert.equal((await repo.resolve('v1')).digest, m.descriptor.digest);
          const back = await readAll(await repo.fetch(big.descriptor), big.descriptor.size);
          assert.ok(Buffer.from(back).equals(Buffer.from(big.bytes)));
          completed += 1;
          break;
        } catch (err) {
          assert.ok(err instanceof RegistryError, `not a RegistryError: ${String(err)}`);
          failures.push(`${err.code} ${err.status}: ${err.errors.map((e) => e.code)} ${err.hint ?? ''}`);
        }
        // Whatever happened, a manifest on the registry has all its content there.
        const target = direct.repository(repoName);
        if (await target.exists(m.descriptor)) {
          const bytes = await fetchAll(target, m.descriptor);
          for (const d of referencedDescriptors(parseManifest(bytes, m.descriptor.mediaType))) {
            assert.equal(await target.exists(d), true, `manifest pushed while ${d.digest} is missing`);
          }
        }
      }
    }
    const elapsed = Date.now() - started;
    const injected = Object.values(proxy.faults).reduce((a, b) => a + b, 0);
    console.log(
      `faults ${JSON.stringify(proxy.faults)}, ${proxy.requests} requests, ${elapsed} ms, typed failures: ${failures.join(' | ') || 'none'}`,
    );
    assert.ok(injected >= 20, `only ${injected} faults injected`);
    for (const kind of ['status503', 'resetBefore', 'resetAfter', 'truncate'] as const) {
      assert.ok(proxy.faults[kind] > 0, `no ${kind} fault was injected`);
    }
    assert.equal(completed, 8, `not every artifact made it: ${failures.join(' | ')}`);
    assert.ok(proxy.requests < 600, `${proxy.requests} requests`);
    assert.ok(elapsed < 60_000, `took ${elapsed} ms`);
  });

  it('honours Retry-After on 429', async () => {
    const { proxy, store } = await through({ rates: { status429: 1 }, retryAfterSeconds: 1, maxFaults: 1 });
    const b = blob('after a 429');
    await direct.repository('faults/retry-after').push(b.descriptor, b.bytes);
    const started = Date.now();
    assert.equal(await store.repository('faults/retry-after').exists(b.descriptor), true);
    assert.ok(Date.now() - started >= 1000, 'waited at least Retry-After');
    assert.equal(proxy.requests, 2);
  });

  it('gives up after a bounded number of attempts with a temporary RegistryError', async () => {
    const { proxy, store } = await through({ rates: { status503: 1 }, maxFaults: 1000 });
    const started = Date.now();
    const err = await rejection(store.repository('faults/down').fetchReference('v1'));
    assert.ok(err instanceof RegistryError);
    assert.equal(err.status, 503);
    assert.equal(err.temporary, true);
    assert.ok(err.hasCode('UNAVAILABLE'));
    assert.equal(proxy.requests, fastRetry.maxAttempts);
    assert.ok(Date.now() - started < 5000);
  });

  it('does not retry a step that is not idempotent: an upload commit that lost its answer is checked, not resent', async () => {
    // Every PUT of an upload reaches the registry, but its answer is lost.
    const { proxy, store } = await through({
      rates: { resetAfter: 1 },
      maxFaults: 1,
      only: (method, path) => method === 'PUT' && path.includes('/blobs/uploads/'),
    });
    const b = blob('commit answer lost');
    await store.repository('faults/commit').push(b.descriptor, b.bytes);
    assert.equal(proxy.faults.resetAfter, 1);
    assert.equal(await direct.repository('faults/commit').exists(b.descriptor), true);
  });

  it('resumes a blob download cut short with a Range request', async () => {
    const b = randomBlob(2 * 1024 * 1024);
    await direct.repository('faults/range').push(b.descriptor, b.bytes);
    const { proxy, store } = await through({
      rates: { truncate: 1 },
      maxFaults: 2,
      only: (method, path) => method === 'GET' && path.includes('/blobs/sha256:'),
    });
    const back = await readAll(await store.repository('faults/range').fetch(b.descriptor), b.descriptor.size);
    assert.ok(Buffer.from(back).equals(Buffer.from(b.bytes)));
    assert.equal(proxy.faults.truncate, 2);
    assert.equal(proxy.requests, 3);
  });

  it('never pushes a manifest whose blobs are missing, even when the registry is flaky', async () => {
    const { store } = await through({ rates: { status503: 0.3 }, maxFaults: 20, seed: 3 });
    const repo = store.repository('faults/missing');
    const config = blob('{}', 'application/vnd.oci.empty.v1+json');
    await repo.push(config.descriptor, config.bytes);
    const m = manifest([blob('never pushed')], config);
    await assert.rejects(repo.push(m.descriptor, m.bytes), NotFoundError);
    assert.equal(await direct.repository('faults/missing').exists(m.descriptor), false);
  });

  it('restarts an upload session that was interrupted (monolithic and first chunk)', async () => {
    const { proxy, store } = await through(
      {
        rates: { resetAfter: 1 },
        maxFaults: 1,
        // The first PATCH lands but its answer is lost; Distribution then drops the session.
        only: (method, path) => method === 'PATCH' && path.includes('/blobs/uploads/'),
      },
      { monolithicMaxSize: 64 * 1024, chunkSize: 64 * 1024 },
    );
    const big = randomBlob(150 * 1024);
    await store
      .repository('faults/restart')
      .push(big.descriptor, Readable.from([big.bytes.subarray(0, 100_000), big.bytes.subarray(100_000)]));
    const posts = proxy.log.filter((l) => l.startsWith('POST ')).length;
    assert.equal(posts, 2, proxy.log.join('\n'));
    assert.equal(await direct.repository('faults/restart').exists(big.descriptor), true);
    const back = await readAll(
      await direct.repository('faults/restart').fetch(big.descriptor),
      big.descriptor.size,
    );
    assert.ok(Buffer.from(back).equals(Buffer.from(big.bytes)));

    const { proxy: proxy2, store: store2 } = await through({
      rates: { resetBefore: 1 },
      maxFaults: 1,
      only: (method, path) => method === 'PUT' && path.includes('/blobs/uploads/'),
    });
    const small = blob('monolithic restart');
    await store2.repository('faults/restart').push(small.descriptor, small.bytes);
    assert.equal(proxy2.log.filter((l) => l.startsWith('POST ')).length, 2, proxy2.log.join('\n'));
    assert.equal(await direct.repository('faults/restart').exists(small.descriptor), true);
  });

  it('keeps at most maxConnectionsPerHost requests in flight (default 6)', async () => {
    const b = blob('concurrency');
    await direct.repository('faults/conc').push(b.descriptor, b.bytes);
    for (const [limit, expected] of [
      [undefined, 6],
      [2, 2],
    ] as const) {
      const { proxy, store } = await through(
        { rates: {} },
        limit === undefined ? {} : { maxConnectionsPerHost: limit },
      );
      const repo = store.repository('faults/conc');
      const results = await Promise.all(Array.from({ length: 30 }, () => repo.exists(b.descriptor)));
      assert.ok(results.every(Boolean));
      assert.equal(proxy.requests, 30);
      assert.ok(proxy.maxInFlight <= expected, `${proxy.maxInFlight} in flight, limit ${expected}`);
      assert.ok(proxy.maxInFlight >= Math.min(2, expected), 'requests did run in parallel');
    }
  });

  it('aborts a download in the middle through its signal', async () => {
    const b = randomBlob(8 * 1024 * 1024);
    await direct.repository('faults/abort').push(b.descriptor, b.bytes);
    const controller = new AbortController();
    const stream = await direct.repository('faults/abort').fetch(b.descriptor, { signal: controller.signal });
    let read = 0;
    await assert.rejects(
      (async () => {
        for await (const chunk of stream) {
          read += (chunk as Buffer).byteLength;
          if (read > 1024 * 1024) controller.abort();
        }
      })(),
      { name: 'AbortError' },
    );
    assert.ok(read < b.descriptor.size);
  });
});
