/**
 * Soak through a faulty network (issue 8): 40 component versions, each with a local resource, are
 * transferred from a CTF to a real Distribution registry and aliased (dev on every version, staging
 * on every 5th, prod with `expect` on every 10th) while the fault proxy drops connections (before and
 * after the registry saw the request), truncates bodies and answers 503 and 429, and a delaying
 * relay behind it slows a share of connections. A step that still fails after the client's retries
 * must fail with a typed error and is run again, as a user would. Then a full verify of the target,
 * directly, without the proxy: every version with the source's digest, every blob fetchable and
 * verifying, every alias where it was last set, nothing dangling. Bounded: 40 versions, at most 160
 * injected faults, 3 attempts per step, 150 s.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { OcmError } from '../../src/errors.js';
import { fetchAll, readAll } from '../../src/oci/content/read.js';
import { parseManifest, referencedDescriptors } from '../../src/oci/manifest.js';
import { type OpenedRepository, openRepository } from '../../src/open.js';
import { transferComponentVersion } from '../../src/repository/transfer.js';
import { orAbsent } from '../support/absent.js';
import { descriptor } from '../support/descriptors.js';
import { startFaultProxy } from '../support/fault-proxy.js';
import { startRegistry, type TestRegistry } from '../support/registry.js';
import { tempDir } from '../support/tmp.js';

const COMPONENT = 'example.com/soak/app';
const VERSIONS = 40;
const SEED = Number(process.env.OCM_SOAK_SEED ?? 20_261_125);
const TIME_LIMIT_MS = 150_000;

/** A TCP relay that holds back a share of connections' chunks by a few milliseconds each. */
async function startDelayRelay(
  target: string,
  share: number,
  maxDelayMs: number,
): Promise<{ host: string; close(): Promise<void> }> {
  const [host, port] = target.split(':') as [string, string];
  const sockets = new Set<Socket>();
  let n = 0;
  const server: Server = createServer((client) => {
    const slow = (n++ * 0.618) % 1 < share; // deterministic spread
    const upstream = connect(Number(port), host);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    const relay = (from: Socket, to: Socket) => {
      from.on('data', (chunk: Buffer) => {
        if (!slow) {
          to.write(chunk);
          return;
        }
        from.pause();
        setTimeout(
          () => {
            to.write(chunk);
            from.resume();
          },
          Math.floor(Math.random() * maxDelayMs),
        );
      });
      from.on('end', () => to.end());
    };
    relay(client, upstream);
    relay(upstream, client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address() as { port: number };
  return {
    host: `127.0.0.1:${address.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

describe('soak: transfer and alias through faults', () => {
  let registry: TestRegistry;
  let work: { path: string; remove: () => Promise<void> };
  before(async () => {
    registry = await startRegistry('anonymous');
    work = await tempDir('ocm-reliability-soak-');
  });
  after(async () => {
    await registry?.close();
    await work?.remove();
  });

  it(`${VERSIONS} versions transferred and aliased through drops, 503, 429 and delays; nothing lost, nothing dangling`, {
    timeout: TIME_LIMIT_MS + 30_000,
  }, async () => {
    const started = Date.now();
    // The source: a CTF with VERSIONS versions, each with its own local resource (some over 64 KiB).
    const source = await openRepository(join(work.path, 'source'), { create: true });
    const digests = new Map<string, string>();
    const contents = new Map<string, Buffer>();
    for (let i = 1; i <= VERSIONS; i++) {
      const version = `1.0.${i}`;
      const content = randomBytes(i % 7 === 0 ? 150_000 + i : 1000 + i * 37);
      contents.set(version, content);
      const resource = await source.repository.addLocalResource(
        COMPONENT,
        { name: 'payload', version, type: 'blob', relation: 'local', access: { type: 'none' } },
        { content, mediaType: 'application/octet-stream' },
      );
      digests.set(
        version,
        (
          await source.repository.addComponentVersion(
            descriptor(version, { name: COMPONENT, resources: [resource] }),
          )
        ).digest,
      );
    }

    const relay = await startDelayRelay(registry.host, 0.2, 15);
    const proxy = await startFaultProxy({
      target: relay.host,
      rates: { status503: 0.05, status429: 0.03, resetBefore: 0.04, resetAfter: 0.04, truncate: 0.04 },
      retryAfterSeconds: 0,
      maxFaults: 160,
      seed: SEED,
    });
    let target: OpenedRepository | undefined;
    const typedFailures: string[] = [];
    const aliases = new Map<string, string>();
    try {
      target = await openRepository(`http://${proxy.host}/soak`, {
        retry: { maxAttempts: 6, baseDelayMs: 10, maxDelayMs: 200 },
      });
      const step = async <T>(what: string, fn: () => Promise<T>): Promise<T> => {
        for (let attempt = 1; ; attempt++) {
          try {
            return await fn();
          } catch (err) {
            assert.ok(err instanceof OcmError, `${what}: untyped ${String((err as Error)?.stack ?? err)}`);
            typedFailures.push(`${what}: ${err.code}`);
            if (attempt >= 3) throw err;
          }
        }
      };
      for (let i = 1; i <= VERSIONS; i++) {
        assert.ok(Date.now() - started < TIME_LIMIT_MS, `soak over its time limit at version ${i}`);
        const version = `1.0.${i}`;
        const result = await step(`transfer ${version}`, () =>
          transferComponentVersion(source.repository, target!.repository, COMPONENT, version),
        );
        assert.equal(result.digest, digests.get(version));
        await step(`dev -> ${version}`, () =>
          target!.repository.addComponentVersionAlias(COMPONENT, version, 'dev'),
        );
        aliases.set('dev', version);
        if (i % 5 === 0) {
          await step(`staging -> ${version}`, () =>
            target!.repository.addComponentVersionAlias(COMPONENT, version, 'staging'),
          );
          aliases.set('staging', version);
        }
        if (i % 10 === 0) {
          const previous = aliases.get('prod');
          await step(`prod -> ${version}`, async () => {
            try {
              return await target!.repository.addComponentVersionAlias(COMPONENT, version, 'prod', {
                expect: previous ?? 'absent',
              });
            } catch (err) {
              // A retried move whose first attempt landed finds prod already there: that is success.
              const now = await orAbsent(target!.repository.resolveComponentVersion(COMPONENT, 'prod'));
              if (now?.version === version) return undefined;
              throw err;
            }
          });
          aliases.set('prod', version);
        }
      }
    } finally {
      await target?.close();
      await proxy.close();
      await relay.close();
      await source.close();
    }
    const injected = Object.values(proxy.faults).reduce((a, b) => a + b, 0);
    console.log(
      `# soak: seed ${SEED}, ${VERSIONS} versions, faults ${JSON.stringify(proxy.faults)}, ${proxy.requests} requests, ${Date.now() - started} ms, typed step failures retried: ${typedFailures.join(', ') || 'none'}`,
    );
    assert.ok(injected >= 40, `only ${injected} faults injected (seed ${SEED})`);
    for (const kind of ['status503', 'status429', 'resetBefore', 'resetAfter', 'truncate'] as const)
      assert.ok(proxy.faults[kind] > 0, `no ${kind} fault injected (seed ${SEED})`);

    // Full verify, directly against the registry.
    const direct = await openRepository(`http://${registry.host}/soak`);
    try {
      const repo = direct.repository;
      const store = repo.ociStore(COMPONENT);
      const versions = await repo.listComponentVersions(COMPONENT, { verify: true });
      assert.equal(versions.length, VERSIONS, `versions: ${versions.join(' ')}`);
      for (const [version, digest] of digests) {
        const cv = await repo.getComponentVersion(COMPONENT, version);
        assert.equal(cv.resolution.digest, digest, `${version} keeps the source digest (seed ${SEED})`);
        const manifestBytes = await fetchAll(store, cv.resolution.manifest);
        for (const d of referencedDescriptors(
          parseManifest(manifestBytes, cv.resolution.manifest.mediaType),
        )) {
          await fetchAll(store, d, { maxSize: 1024 * 1024 }); // size and digest verified
        }
        const blob = await repo.getLocalResource(COMPONENT, version, { name: 'payload' });
        const bytes = await readAll(blob.content, 1024 * 1024);
        assert.ok(Buffer.from(bytes).equals(contents.get(version)!), `${version}: payload intact`);
      }
      const listed = await repo.listComponentVersionAliases(COMPONENT);
      for (const info of listed) assert.equal(info.problem, undefined, `alias ${info.alias} dangles`);
      assert.deepEqual(
        Object.fromEntries(listed.map((l) => [l.alias, l.version])),
        Object.fromEntries(aliases),
        'every alias where it was last set, no other',
      );
      for (const info of listed) assert.equal(info.digest, digests.get(info.version!));
    } finally {
      await direct.close();
    }
  });
});
