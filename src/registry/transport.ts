import { readFileSync } from 'node:fs';
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import type { Readable } from 'node:stream';
import { createSecureContext, rootCertificates } from 'node:tls';
import type { Dispatcher } from 'undici';
import { redactUrl } from './errors.js';

/** What the request hook sees: never headers, never a URL with secrets. */
export interface RequestEvent {
  readonly method: string;
  /** Redacted URL. */
  readonly url: string;
  /** `host[:port]` the request goes to (the registry, a token server, a redirect target). */
  readonly host: string;
}

export interface TransportOptions {
  /** Concurrent requests per host; more wait in a queue. Default 6. Ignored with `dispatcher`. */
  readonly maxConnectionsPerHost?: number;
  /** Extra trusted CA certificates (PEM), added to Node's defaults. Ignored with `dispatcher`. */
  readonly ca?: string | Uint8Array;
  /** A PEM file of extra trusted CA certificates, read once at construction. */
  readonly caFile?: string;
  /** Called once for every HTTP request sent, retries and token requests included. */
  readonly onRequest?: (event: RequestEvent) => void;
  /** An undici dispatcher to send requests through instead of our own keep-alive agents. */
  readonly dispatcher?: Dispatcher;
  /** Accept any TLS certificate. Default false. Ignored with `dispatcher`. */
  readonly insecure?: boolean;
  /** Default `ocm-ts`. */
  readonly userAgent?: string;
}

export type HttpMethod = 'GET' | 'HEAD' | 'PUT' | 'POST' | 'PATCH' | 'DELETE';

/** A request body that can be sent again (after a 401 or a dropped connection). */
export type ReplayableBody = Uint8Array | (() => Readable);

export interface HttpRequest {
  readonly method: HttpMethod;
  readonly url: URL;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: ReplayableBody;
  readonly signal?: AbortSignal | undefined;
}

export interface HttpResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: Readable & { dump(opts?: { limit: number }): Promise<void> };
  readonly url: URL;
}

/** Seconds of silence after which a request or a response body is given up (a dropped connection). */
const IDLE_TIMEOUT_MS = 120_000;

/**
 * Sends single HTTP requests over keep-alive connections. Knows nothing of auth or retries; the
 * caller consumes or discards every response body (the connection stays busy until then).
 *
 * Requests go through Node's own `http`/`https` agents: loading undici (its WebAssembly HTTP parser)
 * costs a CLI process about 20 MiB of memory, more than a whole streamed transfer needs. A caller's
 * undici dispatcher is still used when one is given.
 */
export class Transport {
  readonly #dispatcher: Dispatcher | undefined;
  readonly #agents: { readonly http: http.Agent; readonly https: https.Agent } | undefined;
  readonly #onRequest: ((event: RequestEvent) => void) | undefined;
  readonly #userAgent: string;

  constructor(options: TransportOptions = {}) {
    this.#onRequest = options.onRequest;
    this.#userAgent = options.userAgent ?? 'ocm-ts';
    if (options.dispatcher) {
      this.#dispatcher = options.dispatcher;
      return;
    }
    const ca = options.caFile ? readFileSync(options.caFile) : options.ca;
    const common = {
      keepAlive: true,
      maxSockets: options.maxConnectionsPerHost ?? 6,
      scheduling: 'lifo' as const,
    };
    this.#agents = {
      http: new http.Agent(common),
      https: new https.Agent({
        ...common,
        ...(options.insecure ? { rejectUnauthorized: false } : {}),
        // One secure context for all connections: parsing the root store per handshake is slow.
        ...(ca === undefined
          ? {}
          : {
              secureContext: createSecureContext({
                ca: [...rootCertificates, Buffer.from(ca).toString('utf8')],
              }),
            }),
      }),
    };
  }

  async send(req: HttpRequest): Promise<HttpResponse> {
    req.signal?.throwIfAborted();
    this.#onRequest?.({ method: req.method, url: redactUrl(req.url), host: req.url.host });
    const body = req.body === undefined ? null : req.body instanceof Uint8Array ? req.body : req.body();
    if (!this.#dispatcher) return this.#send(req, body);
    const res = await this.#dispatcher.request({
      origin: req.url.origin,
      path: `${req.url.pathname}${req.url.search}`,
      method: req.method,
      headers: { 'user-agent': this.#userAgent, ...req.headers },
      body,
      signal: req.signal ?? null,
      // Retries are ours to decide; undici must not replay anything on its own.
      idempotent: false,
      headersTimeout: 120_000,
      bodyTimeout: 120_000,
    });
    return { status: res.statusCode, headers: res.headers, body: res.body, url: req.url };
  }

  #send(req: HttpRequest, body: Uint8Array | Readable | null): Promise<HttpResponse> {
    const agents = this.#agents!;
    const secure = req.url.protocol === 'https:';
    return new Promise((resolve, reject) => {
      const out = (secure ? https : http).request(req.url, {
        method: req.method,
        headers: { 'user-agent': this.#userAgent, ...req.headers },
        agent: secure ? agents.https : agents.http,
        ...(req.signal ? { signal: req.signal } : {}),
        timeout: IDLE_TIMEOUT_MS,
      });
      out.on('timeout', () =>
        out.destroy(Object.assign(new Error('the registry did not answer in time'), { code: 'ETIMEDOUT' })),
      );
      out.on('error', (err) => {
        if (body && !(body instanceof Uint8Array)) body.destroy();
        reject(err);
      });
      out.on('response', (res) => {
        res.setTimeout(IDLE_TIMEOUT_MS, () =>
          res.destroy(Object.assign(new Error('the response body stalled'), { code: 'ETIMEDOUT' })),
        );
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: withDump(res), url: req.url });
      });
      if (body === null) out.end();
      else if (body instanceof Uint8Array) out.end(body);
      else {
        body.on('error', (err) => out.destroy(err));
        body.pipe(out);
      }
    });
  }

  /** Closes our own agents' connections; a dispatcher passed in is left to its owner. */
  async close(): Promise<void> {
    this.#agents?.http.destroy();
    this.#agents?.https.destroy();
  }
}

/** Gives a Node response undici's `dump`: read and drop at most `limit` bytes, then close. */
function withDump(res: IncomingMessage): HttpResponse['body'] {
  return Object.assign(res, {
    dump: async (opts: { limit: number } = { limit: 128 * 1024 }) => {
      let seen = 0;
      for await (const chunk of res) {
        seen += (chunk as Buffer).byteLength;
        if (seen > opts.limit) {
          res.destroy();
          return;
        }
      }
    },
  });
}

/** One response header as a string (the first, when repeated). */
export function header(res: HttpResponse, name: string): string | undefined {
  const value = res.headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}

/** Reads a response body into memory, failing with `onTooLarge()` beyond `limit` bytes. */
export async function readBody(res: HttpResponse, limit: number, onTooLarge: () => Error): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  try {
    for await (const chunk of res.body) {
      const buf = chunk as Buffer;
      total += buf.byteLength;
      if (total > limit) throw onTooLarge();
      chunks.push(buf);
    }
  } finally {
    if (!res.body.destroyed) res.body.destroy();
  }
  return Buffer.concat(chunks, total);
}

/** Reads at most `limit` bytes of a body (for error documents) and drops the rest. */
export async function readPrefix(res: HttpResponse, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  try {
    for await (const chunk of res.body) {
      const buf = chunk as Buffer;
      chunks.push(buf.subarray(0, Math.max(0, limit - total)));
      total += buf.byteLength;
      if (total >= limit) break;
    }
  } catch {
    // An error body cut short still tells us the status; its text is a courtesy.
  } finally {
    if (!res.body.destroyed) res.body.destroy();
  }
  return Buffer.concat(chunks);
}

/** Drops a response body we do not need, keeping the connection reusable when it is small. */
export async function discard(res: HttpResponse): Promise<void> {
  try {
    await res.body.dump({ limit: 64 * 1024 });
  } catch {
    if (!res.body.destroyed) res.body.destroy();
  }
}
