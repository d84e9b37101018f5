/**
 * Requests a registry sees, counted with the transport hook and, where it says so, in the registry's
 * own access log: warm and cold alias resolution through the content cache, `get aliases`, a cached
 * file found corrupt, and a one-version transfer against skopeo copying the same artifact.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fetchAll } from '../../src/oci/content/read.js';
import type { Descriptor } from '../../src/oci/descriptor.js';
import { parseManifest } from '../../src/oci/manifest.js';
import { type OpenRepositoryOptions, openRepository } from '../../src/open.js';
import type { RequestEvent } from '../../src/registry/index.js';
import { transferComponentVersion } from '../../src/repository/transfer.js';
import { descriptor, resource } from '../support/descriptors.js';
import { skopeo, startRegistry, type TestRegistry } from '../support/registry.js';

const C = 'example.com/requests/app';

describe('registry requests with the content cache', () => {
  let reg: TestRegistry;
  let work: string;
  before(async () => {
    reg = await startRegistry('anonymous');
    work = mkdtempSync(join(tmpdir(), 'ocm-requests-'));
  });
  after(async () => {
    await reg?.close();
    rmSync(work, { recursive: true, force: true });
  });

  /** Writes versions 1.0.0..1.0.(n-1), each with a small local resource, and the given aliases. */
  async function seed(prefix: string, n: number, aliases: Record<string, string>) {
    const w = await openRepository(`${reg.host}/${prefix}`);
    try {
      for (let i = 0; i < n; i++) {
        const r = await w.repository.addLocalResource(C, resource('cfg'), {
          content: Buffer.from(`config ${i}`),
          mediaType: 'text/plain',
        });
        await w.repository.addComponentVersion(descriptor(`1.0.${i}`, { name: C, resources: [r] }));
      }
      for (const [alias, version] of Object.entries(aliases))
        await w.repository.addComponentVersionAlias(C, version, alias);
    } finally {
      await w.close();
    }
  }

  /** Opens `prefix` like one CLI run would: a fresh store (no memory of earlier runs), the given cache. */
  async function session(prefix: string, cacheDir: string, extra: OpenRepositoryOptions = {}) {
    const events: RequestEvent[] = [];
    const opened = await openRepository(`${reg.host}/${prefix}`, {
      cache: { dir: cacheDir },
      onRequest: (e) => events.push(e),
      ...extra,
    });
    const count = async (fn: () => Promise<unknown>) => {
      const from = events.length;
      await fn();
      return events
        .slice(from)
        .map((e) => `${e.method} ${new URL(e.url).pathname.replace(/.*\/(manifests|blobs|tags)\//, '$1/')}`);
    };
    return { repository: opened.repository, close: () => opened.close(), count };
  }

  it('get cv through an alias: cold = 2 requests, warm = 1 HEAD, also from a new process', async () => {
    await seed('alias', 3, { prod: '1.0.1' });
    const cacheDir = join(work, 'cache-alias');
    const cold = await session('alias', cacheDir);
    const first = await cold.count(() => cold.repository.getComponentVersion(C, 'prod'));
    assert.deepEqual(first, ['GET manifests/prod', `GET blobs/${first[1]!.slice('GET blobs/'.length)}`]);
    assert.equal(first.length, 2);
    await cold.close();

    const warm = await session('alias', cacheDir);
    let got: Awaited<ReturnType<typeof warm.repository.getComponentVersion>> | undefined;
    const second = await warm.count(async () => {
      got = await warm.repository.getComponentVersion(C, 'prod');
    });
    assert.deepEqual(second, ['HEAD manifests/prod']);
    assert.equal(got!.descriptor.component.version, '1.0.1');
    assert.equal(got!.resolution.kind, 'alias');
    assert.deepEqual(await warm.count(() => warm.repository.getComponentVersion(C, '1.0.1')), [
      'GET manifests/1.0.1',
      // the descriptor layer of 1.0.1 is cached already
    ]);
    assert.deepEqual(await warm.count(() => warm.repository.getComponentVersion(C, '1.0.1')), [
      'HEAD manifests/1.0.1',
    ]);
    const store = warm.repository.ociStore(C) as unknown as {
      fetchReference(r: string): Promise<{ descriptor: { digest: string } }>;
    };
    const prodDigest = got!.resolution.digest;
    const byDigest = await warm.count(async () => {
      const fetched = await store.fetchReference(prodDigest);
      assert.equal(fetched.descriptor.digest, prodDigest);
    });
    assert.deepEqual(byDigest, [], 'a cached manifest asked for by digest costs nothing');
    await warm.close();
  });

  it('a moved alias is seen at once: the HEAD names new content, which is fetched by digest', async () => {
    await seed('moved', 2, { prod: '1.0.0' });
    const cacheDir = join(work, 'cache-moved');
    const a = await session('moved', cacheDir);
    await a.repository.getComponentVersion(C, 'prod');
    await a.close();
    const w = await openRepository(`${reg.host}/moved`);
    await w.repository.addComponentVersionAlias(C, '1.0.1', 'prod');
    await w.close();
    const b = await session('moved', cacheDir);
    let version = '';
    const seen = await b.count(async () => {
      version = (await b.repository.getComponentVersion(C, 'prod')).descriptor.component.version;
    });
    assert.equal(version, '1.0.1');
    assert.equal(seen[0], 'HEAD manifests/prod');
    assert.match(seen[1]!, /^GET manifests\/sha256:/);
    assert.equal(seen.length, 3, 'HEAD, manifest by digest, descriptor layer');
    await b.close();
  });

  it('get aliases on a warm cache: one request per page of tags and one HEAD per alias', async () => {
    await seed('aliases', 4, { dev: '1.0.3', staging: '1.0.2', prod: '1.0.1' });
    const cacheDir = join(work, 'cache-aliases');
    const cold = await session('aliases', cacheDir);
    const first = await cold.count(() => cold.repository.listComponentVersionAliases(C));
    assert.deepEqual(first.sort(), [
      'GET manifests/dev',
      'GET manifests/prod',
      'GET manifests/staging',
      'GET tags/list',
    ]);
    await cold.close();
    const warm = await session('aliases', cacheDir);
    let list: { alias: string; version?: string }[] = [];
    const second = await warm.count(async () => {
      list = await warm.repository.listComponentVersionAliases(C);
    });
    assert.deepEqual(
      second.sort(),
      ['HEAD manifests/dev', 'HEAD manifests/prod', 'HEAD manifests/staging', 'GET tags/list'].sort(),
    );
    assert.deepEqual(
      list.map((a) => `${a.alias}=${a.version}`),
      ['dev=1.0.3', 'prod=1.0.1', 'staging=1.0.2'],
    );
    await warm.close();
  });

  it('a corrupt cached manifest is detected, fetched again and replaced', async () => {
    await seed('corrupt', 1, { prod: '1.0.0' });
    const cacheDir = join(work, 'cache-corrupt');
    const a = await session('corrupt', cacheDir);
    const { resolution } = await a.repository.getComponentVersion(C, 'prod');
    await a.close();
    const hex = resolution.digest.slice('sha256:'.length);
    const file = join(cacheDir, 'v1', 'content', 'sha256', hex);
    const good = readFileSync(file);
    writeFileSync(file, Buffer.from(good.toString('utf8').replace('1.0.0', '6.6.6')));
    const b = await session('corrupt', cacheDir);
    let version = '';
    const seen = await b.count(async () => {
      version = (await b.repository.getComponentVersion(C, 'prod')).descriptor.component.version;
    });
    assert.equal(version, '1.0.0', 'the tampered bytes were not used');
    assert.deepEqual(seen, ['HEAD manifests/prod', `GET manifests/${resolution.digest}`]);
    assert.deepEqual(readFileSync(file), good, 'the cached file holds the right bytes again');
    await b.close();
  });

  it('without a cache every lookup asks the registry for everything', async () => {
    await seed('nocache', 1, { prod: '1.0.0' });
    const events: RequestEvent[] = [];
    const opened = await openRepository(`${reg.host}/nocache`, { onRequest: (e) => events.push(e) });
    await opened.repository.getComponentVersion(C, 'prod');
    await opened.repository.getComponentVersion(C, 'prod');
    await opened.close();
    assert.deepEqual(
      events.map((e) => e.method),
      ['GET', 'GET', 'GET', 'GET'],
    );
  });

  it('a transfer between two prefixes of one registry mounts the blobs instead of uploading them', async () => {
    await seed('mount-src', 2, {});
    const events: RequestEvent[] = [];
    const source = await openRepository(`${reg.host}/mount-src`);
    const target = await openRepository(`${reg.host}/mount-dst`, { onRequest: (e) => events.push(e) });
    for (const v of ['1.0.0', '1.0.1']) {
      const result = await transferComponentVersion(source.repository, target.repository, C, v);
      assert.equal(result.status, 'copied');
    }
    await source.close();
    await target.close();
    const uploads = events.filter((e) => e.method === 'PUT' && e.url.includes('/blobs/uploads/'));
    assert.deepEqual(uploads, [], 'no blob bytes were sent');
    const mounts = events.filter((e) => e.method === 'POST' && e.url.includes('from=mount-src'));
    assert.equal(mounts.length, 6, 'config, descriptor layer and resource of each version, mounted');
    const check = await openRepository(`${reg.host}/mount-dst`);
    assert.equal(
      (await check.repository.getComponentVersion(C, '1.0.1')).descriptor.component.version,
      '1.0.1',
    );
    await check.close();
  });

  /** The registry's access log: lines after a marker request. */
  let markers = 0;
  const mark = async () => {
    const marker = `/v2/test-marker-${++markers}/tags/list`;
    await (await fetch(`http://${reg.host}${marker}`)).arrayBuffer();
    return marker;
  };
  const linesSince = (marker: string): string[] => {
    const log = reg.output();
    const at = log.lastIndexOf(`"GET ${marker} HTTP/1.1"`);
    assert.ok(at >= 0, 'the marker is in the access log');
    return (
      log.slice(at + marker.length).match(/\] "(?:GET|HEAD|PUT|POST|PATCH|DELETE) \S+ HTTP\/1\.1"/g) ?? []
    ).map((l) => l.slice(3, l.lastIndexOf(' HTTP')));
  };
  /** Waits until the registry has logged what it answered (it logs after the response). */
  const settle = () => new Promise((r) => setTimeout(r, 200));

  it('the access log agrees: warm alias get = 1 request, cold = 2', async () => {
    await seed('logged', 2, { prod: '1.0.1' });
    const cacheDir = join(work, 'cache-logged');
    let marker = await mark();
    const a = await session('logged', cacheDir);
    await a.repository.getComponentVersion(C, 'prod');
    await a.close();
    await settle();
    assert.equal(linesSince(marker).length, 2, linesSince(marker).join('\n'));
    marker = await mark();
    const b = await session('logged', cacheDir);
    await b.repository.getComponentVersion(C, 'prod');
    await b.close();
    await settle();
    const lines = linesSince(marker);
    assert.equal(lines.length, 1, lines.join('\n'));
    assert.match(
      lines[0]!,
      /^HEAD \/v2\/logged\/component-descriptors\/example\.com\/requests\/app\/manifests\/prod$/,
    );
  });

  it('a one-version transfer makes no more requests than skopeo copying the same artifact, none twice', async () => {
    // The version in a CTF, and the same manifest and blobs as an OCI layout for skopeo.
    const ctf = join(work, 'ctf');
    const source = await openRepository(`ctf::${ctf}`, { create: true });
    const r = await source.repository.addLocalResource(C, resource('payload'), {
      content: randomBytes(64 * 1024),
      mediaType: 'application/octet-stream',
    });
    await source.repository.addComponentVersion(descriptor('1.0.0', { name: C, resources: [r] }));
    const layout = join(work, 'layout');
    mkdirSync(join(layout, 'blobs', 'sha256'), { recursive: true });
    const store = source.repository.ociStore(C);
    const top = await store.resolve('1.0.0');
    const bytes = await fetchAll(store, top);
    const m = parseManifest(bytes, top.mediaType);
    assert.ok('layers' in m);
    const write = async (d: Descriptor, b?: Uint8Array) =>
      writeFileSync(join(layout, 'blobs', 'sha256', d.digest.slice(7)), b ?? (await fetchAll(store, d)));
    for (const child of [m.config, ...m.layers]) await write(child);
    await write(top, bytes);
    writeFileSync(join(layout, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
    writeFileSync(
      join(layout, 'index.json'),
      JSON.stringify({
        schemaVersion: 2,
        manifests: [{ ...top, annotations: { 'org.opencontainers.image.ref.name': '1.0.0' } }],
      }),
    );

    let marker = await mark();
    await skopeo([
      'copy',
      '--preserve-digests',
      ...reg.skopeoArgs('dest'),
      `oci:${layout}:1.0.0`,
      `docker://${reg.host}/sk/component-descriptors/${C}:1.0.0`,
    ]);
    await settle();
    const theirs = linesSince(marker);

    marker = await mark();
    const events: RequestEvent[] = [];
    const target = await openRepository(`${reg.host}/ours`, { onRequest: (e) => events.push(e) });
    const result = await transferComponentVersion(source.repository, target.repository, C, '1.0.0');
    await target.close();
    await source.close();
    await settle();
    const ours = linesSince(marker);
    assert.equal(result.digest, top.digest);
    assert.equal(ours.length, events.length, 'the hook and the access log count the same requests');
    assert.ok(
      ours.length <= theirs.length,
      `ours ${ours.length}:\n${ours.join('\n')}\nskopeo ${theirs.length}:\n${theirs.join('\n')}`,
    );
    const keyed = ours.map((l) =>
      l.replace(/_state=[^&\s]*/, '').replace(/uploads\/[0-9a-f-]+/, 'uploads/ID'),
    );
    const twice = keyed.filter((l, i) => keyed.indexOf(l) !== i && !/POST .*\/blobs\/uploads\/$/.test(l));
    assert.deepEqual(twice, [], 'no request is made twice');
    console.log(`# one-version transfer: ours ${ours.length} requests, skopeo ${theirs.length}`);
    if (process.env.OCM_SHOW_REQUESTS) console.log(`${ours.join('\n')}\n--\n${theirs.join('\n')}`);
  });
});
