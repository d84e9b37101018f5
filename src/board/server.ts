/**
 * The stage board's local web server (docs/board.md): node:http, no framework. It serves the
 * built page (`dist/board/assets`), the JSON API the page uses under `/api/`, and server-sent
 * events. It binds to loopback unless told otherwise, answers only requests addressed to itself
 * (`Host` and `Origin`, against DNS rebinding), and accepts moves only with `write` and the per-run
 * token (`Authorization: Bearer TOKEN`).
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { type AddressInfo, isIP } from 'node:net';
import { hostname } from 'node:os';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { OcmError } from '../errors.js';
import type { AliasTarget, WatchClock } from '../stages/watch.js';
import type { BoardReader, MoveRequest } from './data.js';
import { BoardRequestError, BoardUnavailableError } from './errors.js';
import { LiveBoard, type LiveEvent } from './live.js';

export interface BoardServerOptions {
  readonly reader: BoardReader;
  /** Default 127.0.0.1. */
  readonly host?: string;
  /** Default 0: a free port. */
  readonly port?: number;
  /** Accept promotions and rollbacks (with the token). Default false. */
  readonly write?: boolean;
  /** The per-run token; default 24 random bytes, base64url. */
  readonly token?: string;
  /** Where the built page is; default the package's `dist/board/assets`. */
  readonly assetsDir?: string;
  /** Time between looks per watched alias on a registry. Default 30 s. */
  readonly interval?: number;
  readonly clock?: WatchClock;
}

export interface BoardServer {
  /** `http://HOST:PORT/` */
  readonly url: string;
  readonly token: string;
  readonly port: number;
  readonly live: LiveBoard;
  close(): Promise<void>;
}

const contentTypes: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.map': 'application/json',
};

const csp = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const securityHeaders = {
  'content-security-policy': csp,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'x-frame-options': 'DENY',
};

const MAX_BODY = 64 * 1024;

/** The built page: the first candidate folder that holds `index.html`. */
export function findAssets(explicit?: string): string {
  const candidates = explicit
    ? [explicit]
    : ['./assets/', '../board/assets/', '../../dist/board/assets/'].map((p) =>
        fileURLToPath(new URL(p, import.meta.url)),
      );
  for (const dir of candidates) if (existsSync(join(dir, 'index.html'))) return dir;
  throw new BoardUnavailableError(`the board's page is not built (looked in ${candidates.join(', ')})`, {
    hint: 'run "npm run build"',
  });
}

function loadAssets(dir: string): Map<string, { bytes: Buffer; type: string }> {
  const assets = new Map<string, { bytes: Buffer; type: string }>();
  for (const name of readdirSync(dir)) {
    const type = contentTypes[extname(name)];
    if (type) assets.set(name, { bytes: readFileSync(join(dir, name)), type });
  }
  return assets;
}

const wildcard = new Set(['0.0.0.0', '::', '[::]']);

/** Starts the board's server; resolves once it listens. */
export async function startBoardServer(options: BoardServerOptions): Promise<BoardServer> {
  const { reader } = options;
  const host = options.host ?? '127.0.0.1';
  const write = options.write === true;
  const token = options.token ?? randomBytes(24).toString('base64url');
  const assets = loadAssets(findAssets(options.assetsDir));
  const live = new LiveBoard(reader, {
    ...(options.interval === undefined ? {} : { interval: options.interval }),
    ...(options.clock === undefined ? {} : { clock: options.clock }),
  });
  const streams = new Set<ServerResponse>();
  const server: Server = createServer();
  let port = 0;
  /**
   * DNS rebinding defence: the `Host` must name this server by a name an attacker's domain cannot
   * be, with this server's port: an IP literal, `localhost`, the `--host` value, and, when bound to
   * every interface, this machine's host name.
   */
  const names = new Set([
    'localhost',
    host.toLowerCase(),
    ...(wildcard.has(host) ? [hostname().toLowerCase()] : []),
  ]);
  const hostAllowed = (value: string): boolean => {
    const m = /^(\[[0-9a-f:.]+\]|[^:]+):(\d+)$/.exec(value);
    if (!m || Number(m[2]) !== port) return false;
    const name = m[1]!.replace(/^\[|\]$/g, '');
    return isIP(name) !== 0 || names.has(name);
  };

  const send = (res: ServerResponse, status: number, body: unknown) => {
    const bytes = Buffer.from(JSON.stringify(body));
    res.writeHead(status, {
      ...securityHeaders,
      'content-type': 'application/json; charset=utf-8',
      'cache-control': 'no-store',
      'content-length': bytes.byteLength,
    });
    res.end(bytes);
  };
  const fail = (res: ServerResponse, err: unknown) => {
    const { status, body } = errorResponse(err);
    send(res, status, body);
  };

  const checkOrigin = (req: IncomingMessage): string | undefined => {
    const hostHeader = (req.headers.host ?? '').toLowerCase();
    if (!hostAllowed(hostHeader)) return `Host ${JSON.stringify(hostHeader)} is not this board`;
    const origin = req.headers.origin;
    if (origin !== undefined && originHost(origin) !== hostHeader)
      return `Origin ${JSON.stringify(origin)} is not this board`;
    const site = req.headers['sec-fetch-site'];
    if (site !== undefined && site !== 'same-origin' && site !== 'none')
      return `a ${site} request is not accepted`;
    return undefined;
  };

  const authorised = (req: IncomingMessage): boolean => {
    const header = req.headers.authorization ?? '';
    const m = /^Bearer (\S+)$/.exec(header);
    if (!m) return false;
    const given = Buffer.from(m[1]!);
    const expected = Buffer.from(token);
    return given.byteLength === expected.byteLength && timingSafeEqual(given, expected);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const refused = checkOrigin(req);
    if (refused) return send(res, 403, { error: { code: 'BOARD_FORBIDDEN', message: refused } });
    const url = new URL(req.url ?? '/', 'http://board.invalid');
    const path = url.pathname;
    const q = (name: string) => {
      const v = url.searchParams.get(name);
      if (v === null || v === '') throw new BoardRequestError(`missing query parameter ${name}`);
      return v;
    };
    const repo = () => {
      const n = Number(q('repository'));
      if (!Number.isInteger(n) || n < 0 || n >= reader.sources.length)
        throw new BoardRequestError('repository is not one of this board');
      return n;
    };
    const controller = new AbortController();
    // A request's reads run side by side (rows, stages elsewhere), each request listening on it.
    setMaxListeners(0, controller.signal);
    res.on('close', () => controller.abort());
    const op = { signal: controller.signal };

    if (req.method === 'GET' || req.method === 'HEAD') {
      if (path === '/' || path === '/index.html') return asset(res, 'index.html');
      if (path.startsWith('/assets/')) return asset(res, path.slice('/assets/'.length));
      if (path === '/api/board') {
        const board = await reader.board(op);
        live.follow(board);
        return send(res, 200, board);
      }
      if (path === '/api/board/rows') return rows(res, op);
      if (path === '/api/board/row') {
        const r = repo();
        const row = await reader.row(r, q('component'), op);
        live.follow(reader.assemble([row]));
        return send(res, 200, row);
      }
      if (path === '/api/component') return send(res, 200, await reader.component(repo(), q('name'), op));
      if (path === '/api/diff')
        return send(res, 200, await reader.diff(repo(), q('name'), q('from'), q('to'), op));
      if (path === '/api/events') return events(req, res);
      return send(res, 404, { error: { code: 'NOT_FOUND', message: `no ${path} here` } });
    }
    if (req.method === 'POST') {
      const action = /^\/api\/(plan|promote|rollback)$/.exec(path)?.[1] as
        | 'plan'
        | 'promote'
        | 'rollback'
        | undefined;
      if (!action) return send(res, 404, { error: { code: 'NOT_FOUND', message: `no ${path} here` } });
      if (!write)
        return send(res, 403, {
          error: {
            code: 'BOARD_READ_ONLY',
            message: 'this board was started without --write: it changes nothing',
          },
        });
      if (!authorised(req))
        return send(res, 403, {
          error: {
            code: 'BOARD_TOKEN',
            message: 'missing or wrong token',
            hint: 'open the URL that "ocm board --write" printed (it carries the token)',
          },
        });
      if (!/^application\/json\b/.test(req.headers['content-type'] ?? ''))
        throw new BoardRequestError('send JSON (content-type: application/json)');
      const body = await readJson(req);
      const r = Number(body.repository);
      if (!Number.isInteger(r) || r < 0 || r >= reader.sources.length)
        throw new BoardRequestError('repository is not one of this board');
      const component = stringField(body, 'component', true)!;
      const request: MoveRequest = {
        stage: stringField(body, 'stage', true)!,
        expect: stringField(body, 'expect', true)!,
        ...optional('version', stringField(body, 'version', false)),
        ...optional('message', stringField(body, 'message', false)),
        ...optional('actor', stringField(body, 'actor', false)),
      };
      const stages = reader.stagesLayer;
      if (!stages)
        throw new BoardUnavailableError('promotion needs the stages layer, which this board lacks');
      const repository = reader.source(r).repository;
      const result = await stages[action](repository, component, request, op, reader.remote);
      if (action !== 'plan') {
        const moved = movedOf(result);
        if (moved)
          live.announce(r, {
            component,
            alias: request.stage,
            from: moved.from,
            to: moved.to,
            time: new Date().toISOString(),
          });
        else reader.invalidate(r, component);
      }
      return send(res, 200, result);
    }
    res.writeHead(405, { ...securityHeaders, allow: 'GET, HEAD, POST' });
    res.end();
  };

  const asset = (res: ServerResponse, name: string) => {
    const a = assets.get(name);
    if (!a) return send(res, 404, { error: { code: 'NOT_FOUND', message: 'no such asset' } });
    res.writeHead(200, {
      ...securityHeaders,
      'content-type': a.type,
      'content-length': a.bytes.byteLength,
      'cache-control': 'no-cache',
    });
    res.end(a.bytes);
  };

  /** The board as newline-delimited JSON, a row the moment it is read (`BoardStreamLine`). */
  const rows = async (res: ServerResponse, op: { signal: AbortSignal }) => {
    res.writeHead(200, {
      ...securityHeaders,
      'content-type': 'application/x-ndjson; charset=utf-8',
      'cache-control': 'no-store',
    });
    await reader.stream((line) => {
      if (line.type === 'row') live.follow(reader.assemble([line.row]));
      if (!res.destroyed) res.write(`${JSON.stringify(line)}\n`);
    }, op);
    res.end();
  };

  const events = (req: IncomingMessage, res: ServerResponse) => {
    res.writeHead(200, {
      ...securityHeaders,
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
    });
    res.write(': board events\n\n');
    streams.add(res);
    const unsubscribe = live.subscribe((e: LiveEvent) => {
      res.write(`event: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`);
    });
    req.on('close', () => {
      unsubscribe();
      streams.delete(res);
    });
  };

  server.on('request', (req, res) => {
    handle(req, res).catch((err) => {
      if (!res.headersSent) fail(res, err);
      else res.destroy();
    });
  });
  // Keep-alive pings for event streams behind proxies that close idle connections.
  const ping = setInterval(() => {
    for (const s of streams) s.write(': ping\n\n');
  }, 25_000);
  ping.unref();

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  port = (server.address() as AddressInfo).port;
  const shownHost = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${shownHost}:${port}/`,
    token,
    port,
    live,
    close: async () => {
      clearInterval(ping);
      live.close();
      for (const s of streams) s.end();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await reader.close();
    },
  };
}

function originHost(origin: string): string {
  try {
    const u = new URL(origin);
    return u.protocol === 'http:' ? u.host.toLowerCase() : '';
  } catch {
    return '';
  }
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).byteLength;
    if (size > MAX_BODY) throw new BoardRequestError('request body too large');
    chunks.push(c as Buffer);
  }
  let value: unknown;
  try {
    value = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new BoardRequestError('the request body is not JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new BoardRequestError('the request body is not a JSON object');
  return value as Record<string, unknown>;
}

function stringField(body: Record<string, unknown>, name: string, required: boolean): string | undefined {
  const v = body[name];
  if (v === undefined || v === null || v === '') {
    if (required) throw new BoardRequestError(`${name} is required`);
    return undefined;
  }
  if (typeof v !== 'string' || v.length > 4096) throw new BoardRequestError(`${name} must be a string`);
  return v;
}

function optional<K extends string>(key: K, value: string | undefined): { [P in K]?: string } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: string };
}

/** `{from, to}` of a promotion's or rollback's result, when it moved the alias. */
function movedOf(result: unknown): { from: AliasTarget | null; to: AliasTarget | null } | undefined {
  if (typeof result !== 'object' || result === null) return undefined;
  const r = result as { moved?: unknown; from?: unknown; to?: unknown };
  if (r.moved === false) return undefined;
  const target = (v: unknown): AliasTarget | null =>
    typeof v === 'object' && v !== null && typeof (v as AliasTarget).version === 'string'
      ? { version: (v as AliasTarget).version, digest: (v as AliasTarget).digest }
      : null;
  if (r.to === undefined) return undefined;
  return { from: target(r.from), to: target(r.to) };
}

/** HTTP status and JSON body for an error: the code, message and hint of an `OcmError`. */
export function errorResponse(err: unknown): { status: number; body: unknown } {
  const e = err instanceof Error ? err : new Error(String(err));
  const code = e instanceof OcmError ? e.code : 'INTERNAL';
  const hint = e instanceof OcmError ? e.hint : undefined;
  const refused = (e as { refused?: unknown }).refused;
  const details = (e as { details?: unknown }).details ?? (Array.isArray(refused) ? { refused } : undefined);
  const status =
    e instanceof BoardRequestError
      ? 400
      : code === 'NOT_FOUND'
        ? 404
        : /CONFLICT|CHANGED/.test(code)
          ? 409
          : /REFUSED|GATE|POLICY/.test(code)
            ? 422
            : e instanceof OcmError
              ? 400
              : 500;
  return {
    status,
    body: {
      error: {
        code,
        message: e.message,
        ...(hint === undefined ? {} : { hint }),
        ...(details === undefined ? {} : { details }),
      },
    },
  };
}
