import { OcmError } from '../errors.js';
import type { Authenticator } from './auth/authenticator.js';
import { MAX_ERROR_BODY, parseErrorBody, RegistryAuthError, RegistryError, redactUrl } from './errors.js';
import { backoffDelay, isNetworkError, parseRetryAfter, type RetryPolicy, sleep } from './retry.js';
import {
  discard,
  type HttpMethod,
  type HttpResponse,
  header,
  type ReplayableBody,
  readPrefix,
  type Transport,
} from './transport.js';

export interface ClientRequest {
  readonly method: HttpMethod;
  readonly url: URL;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: ReplayableBody;
  /** Token scopes this request needs, e.g. `repository:a/b:pull`. */
  readonly scopes: readonly string[];
  /** Statuses the caller handles; any other is thrown as a `RegistryError`. */
  readonly expect: readonly number[];
  /**
   * Whether the step may be sent again after a temporary failure (429, 502/503/504, a dropped
   * connection, a body cut short). Steps that are not are tried once; their callers recover.
   */
  readonly idempotent: boolean;
  readonly signal?: AbortSignal | undefined;
}

const redirects = new Set([301, 302, 303, 307, 308]);
const MAX_REDIRECTS = 5;

/**
 * One registry host: authentication, redirects, error translation and retries around the transport.
 * `call` hands the response to a handler inside the retry loop, so a body cut short while the
 * handler reads it is retried like a failed request.
 */
export class RegistryClient {
  readonly #transport: Transport;
  readonly #auth: Authenticator;
  readonly #retry: RetryPolicy;
  #retries = 0;

  constructor(transport: Transport, auth: Authenticator, retry: RetryPolicy) {
    this.#transport = transport;
    this.#auth = auth;
    this.#retry = retry;
  }

  get retryPolicy(): RetryPolicy {
    return this.#retry;
  }

  /** Requests sent again after a transient failure, since this client was made. */
  get retries(): number {
    return this.#retries;
  }

  /**
   * Sends `req` and passes the response (with an expected status) to `handle`, which must consume
   * or destroy the body unless it hands the stream on to its own caller.
   */
  async call<T>(req: ClientRequest, handle: (res: HttpResponse) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        const res = await this.#exchange(req);
        return await handle(res);
      } catch (err) {
        if (req.signal?.aborted) throw req.signal.reason;
        const e = asRegistryError(err, req);
        // A 500 is worth another try only for a request that may be sent twice: Distribution
        // answers 500 to a read that races a PUT of the same tag.
        if (
          !(e instanceof RegistryError) ||
          !(e.temporary || e.status === 500) ||
          !req.idempotent ||
          attempt >= this.#retry.maxAttempts
        ) {
          throw e;
        }
        this.#retries++;
        const delay = backoffDelay(this.#retry, attempt, e.retryAfter);
        if (delay === undefined) throw e;
        await sleep(delay, req.signal);
      }
    }
  }

  /** `call` for requests whose body does not matter: it is discarded. */
  async send(req: ClientRequest): Promise<HttpResponse> {
    return this.call(req, async (res) => {
      await discard(res);
      return res;
    });
  }

  async #exchange(req: ClientRequest): Promise<HttpResponse> {
    const host = req.url.host;
    let authorization = await this.#auth.headerFor(host, req.scopes, req.signal);
    let res = await this.#transport.send(withAuth(req, authorization));
    if (res.status === 401 && !req.expect.includes(401)) {
      const next = await this.#auth.answer(
        host,
        header(res, 'www-authenticate'),
        req.scopes,
        authorization,
        req.signal,
      );
      if (next !== undefined) {
        await discard(res);
        authorization = next;
        res = await this.#transport.send(withAuth(req, authorization));
      }
    }
    for (let hops = 0; redirects.has(res.status) && !req.expect.includes(res.status); hops++) {
      const location = header(res, 'location');
      if (!location || hops >= MAX_REDIRECTS || (req.method !== 'GET' && req.method !== 'HEAD')) break;
      await discard(res);
      const target = new URL(location, res.url);
      // Credentials stay with the registry: a blob redirect to storage elsewhere goes without them.
      const sameOrigin = target.origin === req.url.origin;
      res = await this.#transport.send(
        withAuth({ ...req, url: target }, sameOrigin ? authorization : undefined),
      );
    }
    if (req.expect.includes(res.status)) return res;
    throw await errorFrom(req, res, res.status === 401 ? await this.#auth.offered(host) : undefined);
  }
}

function withAuth(req: ClientRequest, authorization: string | undefined) {
  return {
    method: req.method,
    url: req.url,
    headers: authorization ? { ...req.headers, authorization } : { ...req.headers },
    ...(req.body === undefined ? {} : { body: req.body }),
    signal: req.signal,
  };
}

/** Reads at most 64 KiB of an error response and turns it into a typed error. */
export async function errorFrom(
  req: Pick<ClientRequest, 'method'>,
  res: HttpResponse,
  credentialsOffered?: boolean,
): Promise<RegistryError> {
  const body = req.method === 'HEAD' ? Buffer.alloc(0) : await readPrefix(res, MAX_ERROR_BODY);
  if (req.method === 'HEAD') await discard(res);
  const retryAfter = parseRetryAfter(header(res, 'retry-after'));
  const init = {
    method: req.method,
    url: redactUrl(res.url),
    status: res.status,
    errors: parseErrorBody(body),
    ...(retryAfter === undefined ? {} : { retryAfter }),
    ...(credentialsOffered === undefined ? {} : { credentialsOffered }),
  };
  return res.status === 401 || res.status === 403 ? new RegistryAuthError(init) : new RegistryError(init);
}

/**
 * Failures of the connection itself (refused, reset, TLS, a body cut short) become a `RegistryError`
 * without status, temporary when a new connection may help. Our own errors pass unchanged.
 */
function asRegistryError(err: unknown, req: ClientRequest): unknown {
  if (err instanceof OcmError || !(err instanceof Error) || err.name === 'AbortError') return err;
  const temporary = isNetworkError(err);
  const code = (err as { code?: unknown }).code;
  const hint = temporary
    ? undefined
    : `the connection failed (${typeof code === 'string' ? code : err.name}); for TLS errors, check the CA option`;
  return new RegistryError(
    { method: req.method, url: redactUrl(req.url), status: undefined, temporary },
    { cause: err, ...(hint ? { hint } : {}) },
  );
}

/** Whether `err` is a registry answer with this status. */
export function hasStatus(err: unknown, ...statuses: number[]): err is RegistryError {
  return err instanceof RegistryError && err.status !== undefined && statuses.includes(err.status);
}
