/**
 * An in-process HTTP proxy in front of a plain-HTTP CNCF Distribution registry that makes it a
 * registry which deletes tags: Distribution 2.8 answers `DELETE /v2/<name>/manifests/<tag>` with 400
 * (only digests may be deleted), so the proxy answers that request itself. It pushes a throw-away
 * manifest, unique to the request, to the tag and deletes that manifest by its digest, which removes
 * the tag and nothing else, then answers 202 (404 with `MANIFEST_UNKNOWN` when the tag does not
 * exist). Every other request is passed through unchanged. The proxy's own requests to the registry
 * are not in `log`, so a test can count what the client sent.
 */
import { createHash, randomUUID } from 'node:crypto';
import {
  Agent,
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { request } from 'undici';

export interface TagDeleteProxy {
  /** `127.0.0.1:PORT` to give the client as the registry host. */
  readonly host: string;
  /** Method and path of every request the client sent, in order. */
  readonly log: readonly string[];
  /** Tag DELETEs the proxy carried out (answered 202). */
  readonly tagDeletes: number;
  close(): Promise<void>;
}

const MANIFEST_PATH = /^\/v2\/(.+)\/manifests\/([^/?]+)$/;
const DIGEST = /^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/;
const EMPTY_CONFIG = Buffer.from('{}');
const ACCEPT = [
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
].join(', ');

const sha256 = (bytes: Buffer) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

export async function startTagDeleteProxy(options: { target: string }): Promise<TagDeleteProxy> {
  const base = `http://${options.target}`;
  const [targetHost, targetPort] = options.target.split(':') as [string, string];
  const agent = new Agent({ keepAlive: true });
  const sockets = new Set<Socket>();
  const log: string[] = [];
  const state = { tagDeletes: 0 };

  /** A request of the proxy's own to the registry; fails loudly on an unexpected status. */
  async function upstream(
    method: string,
    path: string,
    expect: readonly number[],
    init: { headers?: Record<string, string>; body?: Buffer } = {},
  ) {
    const url = path.startsWith('http') ? path : `${base}${path}`;
    const res = await request(url, { method: method as 'GET', headers: init.headers, body: init.body });
    await res.body.dump();
    if (!expect.includes(res.statusCode))
      throw new Error(`tag-delete proxy: ${method} ${path} answered ${res.statusCode}`);
    return res;
  }

  async function deleteTag(name: string, tag: string, res: ServerResponse): Promise<void> {
    const head = await upstream('HEAD', `/v2/${name}/manifests/${tag}`, [200, 404], {
      headers: { accept: ACCEPT },
    });
    if (head.statusCode === 404) {
      const body = JSON.stringify({ errors: [{ code: 'MANIFEST_UNKNOWN', message: 'manifest unknown' }] });
      res.writeHead(404, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
      res.end(body);
      return;
    }
    const configDigest = sha256(EMPTY_CONFIG);
    const blob = await upstream('HEAD', `/v2/${name}/blobs/${configDigest}`, [200, 404]);
    if (blob.statusCode === 404) {
      const started = await upstream('POST', `/v2/${name}/blobs/uploads/`, [202]);
      const location = new URL(String(started.headers.location), base);
      location.searchParams.set('digest', configDigest);
      await upstream('PUT', location.toString(), [201], {
        headers: { 'content-type': 'application/octet-stream' },
        body: EMPTY_CONFIG,
      });
    }
    const throwaway = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        config: { mediaType: 'application/vnd.oci.empty.v1+json', digest: configDigest, size: 2 },
        layers: [],
        annotations: { 'test.tag-delete-proxy': `${tag} ${randomUUID()}` },
      }),
    );
    await upstream('PUT', `/v2/${name}/manifests/${tag}`, [201], {
      headers: { 'content-type': 'application/vnd.oci.image.manifest.v1+json' },
      body: throwaway,
    });
    await upstream('DELETE', `/v2/${name}/manifests/${sha256(throwaway)}`, [202]);
    state.tagDeletes += 1;
    res.writeHead(202, { 'content-length': 0 });
    res.end();
  }

  const pass = (req: IncomingMessage, res: ServerResponse) => {
    const up = httpRequest(
      {
        host: targetHost,
        port: Number(targetPort),
        method: req.method,
        path: req.url,
        headers: req.headers, // Host stays the proxy's, so Locations point back through it
        agent,
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    up.on('error', () => req.socket.destroy());
    req.pipe(up);
  };

  const server: Server = createServer((req, res) => {
    log.push(`${req.method} ${req.url}`);
    const match = MANIFEST_PATH.exec(new URL(req.url ?? '/', 'http://x').pathname);
    if (req.method === 'DELETE' && match && !DIGEST.test(decodeURIComponent(match[2]!))) {
      req.resume();
      deleteTag(match[1]!, match[2]!, res).catch((err: unknown) => {
        const body = JSON.stringify({ errors: [{ code: 'UNKNOWN', message: String(err) }] });
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
        res.end(body);
      });
      return;
    }
    pass(req, res);
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    host: `127.0.0.1:${port}`,
    log,
    get tagDeletes() {
      return state.tagDeletes;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        agent.destroy();
        server.close(() => resolve());
      }),
  };
}
