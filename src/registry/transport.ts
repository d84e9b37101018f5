import { readFileSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { createSecureContext, rootCertificates } from 'node:tls';
import { Agent, type Dispatcher } from 'undici';
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
  /** An undici dispatcher to send requests through instead of our own keep-alive agent. */
  readonly dispatcher?: Dispatcher;
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

/**
 * Sends single HTTP requests over keep-alive connections. Knows nothing of auth or retries; the
 * caller consumes or discards every response body (undici keeps the connection busy until then).
 */
export class Transport {
  readonly #dispatcher: Dispatcher;
  readonly #owned: boolean;
  readonly #onRequest: ((event: RequestEvent) => void) | undefined;
  readonly #userAgent: string;

  constructor(options: TransportOptions = {}) {
    this.#onRequest = options.onRequest;
    this.#userAgent = options.userAgent ?? 'ocm-ts';
    if (options.dispatcher) {
      this.#dispatcher = options.dispatcher;
      this.#owned = false;
    } else {
      const ca = options.caFile ? readFileSync(options.caFile) : options.ca;
      this.#dispatcher = new Agent({
        connections: options.maxConnectionsPerHost ?? 6,
        keepAliveTimeout: 30_000,
        ...(ca === undefined
          ? {}
          : {
              // One secure context for all connections: parsing the root store per handshake is slow.
              connect: {
                secureContext: createSecureContext({
                  ca: [...rootCertificates, Buffer.from(ca).toString('utf8')],
                }),
              },
            }),
      });
      this.#owned = true;
    }
  }

  async send(req: HttpRequest): Promise<HttpResponse> {
    req.signal?.throwIfAborted();
    this.#onRequest?.({ method: req.method, url: redactUrl(req.url), host: req.url.host });
    const body = req.body === undefined ? null : req.body instanceof Uint8Array ? req.body : req.body();
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

  /** Closes our own agent's connections; a dispatcher passed in is left to its owner. */
  async close(): Promise<void> {
    if (this.#owned) await this.#dispatcher.close();
  }
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
