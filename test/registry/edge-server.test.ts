/**
 * Paths CNCF Distribution 2.8 never takes, against a small scripted HTTP server: blob redirects to
 * another origin (credentials must not follow) and the referrers API with `Link` pages and
 * server-side filtering. Everything else runs against the real registry.
 */
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { readAll } from '../../src/oci/content/read.js';
import type { Descriptor } from '../../src/oci/descriptor.js';
import { DigestMismatchError } from '../../src/oci/errors.js';
import { encodeManifest } from '../../src/oci/manifest.js';
import { MediaType } from '../../src/oci/mediatype.js';
import { RegistryStore } from '../../src/registry/index.js';
import { blob, collect } from '../support/content.js';

async function serve(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
): Promise<{ server: Server; port: number }> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port };
}

describe('scripted registry edges', () => {
  const content = blob('redirected bytes');
  const subject = blob('subject manifest', MediaType.ImageManifest);
  const referrer = (n: number, artifactType: string): Descriptor => ({
    ...blob(`referrer ${n}`, MediaType.ImageManifest).descriptor,
    artifactType,
  });
  const page1 = [referrer(1, 'application/a'), referrer(2, 'application/b')];
  const page2 = [referrer(3, 'application/a'), referrer(4, 'application/b')];
  const oldManifest = blob(
    encodeManifest({
      schemaVersion: 2,
      mediaType: MediaType.ImageManifest,
      config: content.descriptor,
      layers: [],
    }),
    MediaType.ImageManifest,
  );
  const seen: { path: string; authorization: string | undefined; host: string }[] = [];
  let storage: { server: Server; port: number };
  let registry: { server: Server; port: number };
  const password = 'edge-s3cret';

  before(async () => {
    storage = await serve((req, res) => {
      seen.push({ path: req.url ?? '', authorization: req.headers.authorization, host: 'storage' });
      res.writeHead(200, { 'content-length': content.bytes.byteLength }).end(Buffer.from(content.bytes));
    });
    registry = await serve((req, res) => {
      seen.push({ path: req.url ?? '', authorization: req.headers.authorization, host: 'registry' });
      const expected = `Basic ${Buffer.from(`u:${password}`).toString('base64')}`;
      if (req.headers.authorization !== expected) {
        res.writeHead(401, { 'www-authenticate': 'Basic realm="edge"' }).end();
        return;
      }
      const url = new URL(req.url ?? '/', 'http://x');
      if (url.pathname === `/v2/r/blobs/${content.descriptor.digest}`) {
        // Another origin (localhost vs 127.0.0.1), as when a registry sends clients to object storage.
        res.writeHead(307, { location: `http://localhost:${storage.port}/bucket/object?sig=abc` }).end();
        return;
      }
      if (url.pathname === `/v2/r/referrers/${subject.descriptor.digest}`) {
        const second = url.searchParams.get('page') === '2';
        const filter = url.searchParams.get('artifactType');
        // The first page is filtered by the server (and says so), the second is not.
        const list = second ? page2 : page1.filter((d) => !filter || d.artifactType === filter);
        const body = encodeManifest({ schemaVersion: 2, mediaType: MediaType.ImageIndex, manifests: list });
        res.writeHead(200, {
          'content-type': MediaType.ImageIndex,
          ...(filter && !second ? { 'oci-filters-applied': 'artifactType' } : {}),
          ...(second
            ? {}
            : {
                link: `</v2/r/referrers/${subject.descriptor.digest}?page=2${filter ? `&artifactType=${filter}` : ''}>; rel="next"`,
              }),
        });
        res.end(Buffer.from(body));
        return;
      }
      if (url.pathname === '/v2/r/manifests/old') {
        // An old registry: no Docker-Content-Digest, so the client must compute it.
        res.writeHead(200, {
          'content-type': MediaType.ImageManifest,
          'content-length': oldManifest.bytes.byteLength,
        });
        res.end(req.method === 'HEAD' ? undefined : Buffer.from(oldManifest.bytes));
        return;
      }
      if (url.pathname === '/v2/r/manifests/liar') {
        // A registry whose announced digest does not match what it serves.
        res.writeHead(200, {
          'content-type': MediaType.ImageManifest,
          'docker-content-digest': subject.descriptor.digest,
        });
        res.end(Buffer.from(oldManifest.bytes));
        return;
      }
      if (url.pathname.startsWith('/v2/unknown/referrers/')) {
        const body = JSON.stringify({
          errors: [{ code: 'NAME_UNKNOWN', message: 'repository name not known' }],
        });
        res.writeHead(404, { 'content-type': 'application/json' }).end(body);
        return;
      }
      res.writeHead(404).end();
    });
  });
  after(async () => {
    registry?.server.closeAllConnections();
    storage?.server.closeAllConnections();
    await new Promise((r) => registry?.server.close(r));
    await new Promise((r) => storage?.server.close(r));
  });

  const open = () =>
    new RegistryStore({ host: `127.0.0.1:${registry.port}`, credentials: { username: 'u', password } });

  it('follows a blob redirect to another origin without sending credentials there', async () => {
    const store = open();
    try {
      seen.length = 0;
      const bytes = await readAll(await store.repository('r').fetch(content.descriptor), 100);
      assert.ok(Buffer.from(bytes).equals(Buffer.from(content.bytes)));
      const atStorage = seen.filter((s) => s.host === 'storage');
      assert.equal(atStorage.length, 1);
      assert.equal(atStorage[0]!.authorization, undefined, 'no Authorization to another origin');
      assert.ok(seen.some((s) => s.host === 'registry' && s.authorization?.startsWith('Basic ')));
    } finally {
      await store.close();
    }
  });

  it('reads the referrers API across Link pages, and filters when the server does not', async () => {
    const store = open();
    try {
      // An unknown repository says NAME_UNKNOWN: no referrers, and the API stays in use.
      assert.deepEqual(await collect(store.repository('unknown').referrers(subject.descriptor)), []);
      const repo = store.repository('r');
      seen.length = 0;
      const all = await collect(repo.referrers(subject.descriptor));
      assert.ok(
        seen.every((s) => s.path.includes('/referrers/')),
        'no fallback to the tag schema',
      );
      assert.deepEqual(
        all.map((d) => d.digest),
        [...page1, ...page2].map((d) => d.digest),
      );
      const onlyA = await collect(repo.referrers(subject.descriptor, { artifactType: 'application/a' }));
      assert.deepEqual(
        onlyA.map((d) => d.digest),
        [page1[0]!, page2[0]!].map((d) => d.digest),
      );
    } finally {
      await store.close();
    }
  });

  it('computes the digest when the registry sends no Docker-Content-Digest, and refuses a wrong one', async () => {
    const store = open();
    try {
      const repo = store.repository('r');
      seen.length = 0;
      const got = await repo.resolve('old');
      assert.equal(got.digest, oldManifest.descriptor.digest);
      assert.equal(got.size, oldManifest.descriptor.size);
      assert.deepEqual(
        seen.filter((s) => s.path === '/v2/r/manifests/old' && s.authorization).length,
        2,
        'HEAD, then GET to compute the digest',
      );
      await assert.rejects(repo.fetchReference('liar'), DigestMismatchError);
    } finally {
      await store.close();
    }
  });
});
