import { MAX_ERROR_BODY, parseErrorBody, RegistryAuthError, redactUrl } from '../errors.js';
import type { Transport } from '../transport.js';
import { header, readBody, readPrefix } from '../transport.js';
import { type Challenge, parseChallenge } from './challenge.js';
import { type Credential, type CredentialProvider, isEmptyCredential } from './credentials.js';
import { covers, formatScopes, mergeScopes, parseScopes, type ScopeSet } from './scope.js';

export interface AuthenticatorOptions {
  readonly transport: Transport;
  readonly credentials: CredentialProvider;
  /** `client_id` sent with OAuth2 refresh-token requests. Default `ocm-ts`. */
  readonly clientId?: string;
}

interface CachedToken {
  readonly scopes: ScopeSet;
  readonly header: string;
  readonly expiresAt: number;
}

interface BearerRealm {
  readonly realm: string;
  readonly service: string | undefined;
}

/** Tokens are renewed this long before the expiry the server announced. */
const EXPIRY_MARGIN_MS = 10_000;
const MAX_TOKEN_RESPONSE = 1024 * 1024;

/**
 * Answers registry challenges (Docker token flow as in the distribution auth spec): Basic with the
 * host's credentials; Bearer by a token GET (Basic or anonymous) or an OAuth2 refresh-token POST.
 * Tokens are cached per host and scope set, and a cached token serves every request whose scopes it
 * covers. Secrets live only in this object and in Authorization headers; nothing here puts them into
 * an error message.
 */
export class Authenticator {
  readonly #transport: Transport;
  readonly #provider: CredentialProvider;
  readonly #clientId: string;
  readonly #credentials = new Map<string, Promise<Credential | undefined>>();
  readonly #schemes = new Map<string, { kind: 'basic' } | ({ kind: 'bearer' } & BearerRealm)>();
  readonly #tokens = new Map<string, CachedToken[]>();
  readonly #pending = new Map<string, Promise<CachedToken>>();

  constructor(options: AuthenticatorOptions) {
    this.#transport = options.transport;
    this.#provider = options.credentials;
    this.#clientId = options.clientId ?? 'ocm-ts';
  }

  /**
   * The Authorization header to send up front, from what earlier challenges taught us about `host`;
   * undefined before the first challenge. May fetch a token when the host uses Bearer.
   */
  async headerFor(
    host: string,
    scopes: readonly string[],
    signal?: AbortSignal,
  ): Promise<string | undefined> {
    const scheme = this.#schemes.get(host);
    if (!scheme) return undefined;
    if (scheme.kind === 'basic') return basicHeader(await this.#credential(host, signal));
    const wanted = parseScopes(scopes);
    return (this.#cached(host, wanted) ?? (await this.#token(host, scheme, wanted, signal))).header;
  }

  /**
   * Learns from a 401's `WWW-Authenticate` and returns the header to retry with, or undefined when
   * we have nothing better to offer than what was sent (`previous`).
   */
  async answer(
    host: string,
    wwwAuthenticate: string | undefined,
    scopes: readonly string[],
    previous: string | undefined,
    signal?: AbortSignal,
  ): Promise<string | undefined> {
    const challenge = parseChallenge(wwwAuthenticate);
    if (!challenge) return undefined;
    if (challenge.scheme === 'basic') {
      this.#schemes.set(host, { kind: 'basic' });
      const value = basicHeader(await this.#credential(host, signal));
      return value === previous ? undefined : value;
    }
    if (challenge.scheme !== 'bearer') return undefined;
    const realm = bearerRealm(challenge);
    if (!realm) return undefined;
    this.#schemes.set(host, { kind: 'bearer', ...realm });
    const wanted = mergeScopes(parseScopes(scopes), parseScopes([challenge.params.scope ?? '']));
    // A token that covered the scopes was refused: drop it and ask once more.
    if (previous) this.#forget(host, previous);
    const token = await this.#token(host, realm, wanted, signal);
    return token.header === previous ? undefined : token.header;
  }

  /** Whether credentials for `host` were looked up and found (so a 401 means they were refused). */
  async offered(host: string): Promise<boolean> {
    const found = this.#credentials.get(host);
    return found !== undefined && !isEmptyCredential(await found.catch(() => undefined));
  }

  #credential(host: string, signal?: AbortSignal): Promise<Credential | undefined> {
    let found = this.#credentials.get(host);
    if (!found) {
      found = this.#provider(host, signal ? { signal } : {});
      this.#credentials.set(host, found);
      found.catch(() => this.#credentials.delete(host));
    }
    return found;
  }

  #cached(host: string, wanted: ScopeSet): CachedToken | undefined {
    const now = Date.now();
    return this.#tokens.get(host)?.find((t) => t.expiresAt > now && covers(t.scopes, wanted));
  }

  #forget(host: string, headerValue: string): void {
    const list = this.#tokens.get(host);
    if (list)
      this.#tokens.set(
        host,
        list.filter((t) => t.header !== headerValue),
      );
  }

  async #token(
    host: string,
    realm: BearerRealm,
    wanted: ScopeSet,
    signal?: AbortSignal,
  ): Promise<CachedToken> {
    const key = `${host} ${formatScopes(wanted).join(' ')}`;
    let pending = this.#pending.get(key);
    if (!pending) {
      pending = this.#fetchToken(host, realm, wanted, signal).then((token) => {
        const list = (this.#tokens.get(host) ?? []).filter((t) => t.expiresAt > Date.now());
        list.push(token);
        this.#tokens.set(host, list.slice(-32));
        return token;
      });
      this.#pending.set(key, pending);
      pending.then(
        () => this.#pending.delete(key),
        () => this.#pending.delete(key),
      );
    }
    return pending;
  }

  async #fetchToken(
    host: string,
    realm: BearerRealm,
    wanted: ScopeSet,
    signal?: AbortSignal,
  ): Promise<CachedToken> {
    const cred = await this.#credential(host, signal);
    const scopes = formatScopes(wanted);
    if (cred?.registryToken) {
      return { scopes: wanted, header: `Bearer ${cred.registryToken}`, expiresAt: Number.POSITIVE_INFINITY };
    }
    const url = new URL(realm.realm);
    let res: Awaited<ReturnType<Transport['send']>>;
    if (cred?.identityToken) {
      const form = new URLSearchParams({
        grant_type: 'refresh_token',
        refresh_token: cred.identityToken,
        client_id: this.#clientId,
        ...(realm.service ? { service: realm.service } : {}),
        ...(scopes.length ? { scope: scopes.join(' ') } : {}),
      });
      res = await this.#transport.send({
        method: 'POST',
        url,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: Buffer.from(form.toString()),
        signal,
      });
    } else {
      if (realm.service) url.searchParams.set('service', realm.service);
      for (const s of scopes) url.searchParams.append('scope', s);
      const basic = basicHeader(cred);
      res = await this.#transport.send({
        method: 'GET',
        url,
        headers: basic ? { authorization: basic } : {},
        signal,
      });
    }
    if (res.status !== 200) {
      const body = await readPrefix(res, MAX_ERROR_BODY);
      throw new RegistryAuthError({
        method: cred?.identityToken ? 'POST' : 'GET',
        url: redactUrl(url),
        status: res.status,
        errors: parseErrorBody(body),
        credentialsOffered: !isEmptyCredential(cred),
      });
    }
    const body = await readBody(
      res,
      MAX_TOKEN_RESPONSE,
      () => new RegistryAuthError({ method: 'GET', url: redactUrl(url), status: res.status }),
    );
    let doc: { access_token?: unknown; token?: unknown; expires_in?: unknown };
    try {
      doc = JSON.parse(body.toString('utf8')) as typeof doc;
    } catch {
      doc = {};
    }
    const token =
      typeof doc.access_token === 'string' && doc.access_token
        ? doc.access_token
        : typeof doc.token === 'string'
          ? doc.token
          : '';
    if (!token) {
      throw new RegistryAuthError(
        { method: 'GET', url: redactUrl(url), status: res.status },
        { hint: `the token service answered without a token (content type ${header(res, 'content-type')})` },
      );
    }
    const seconds = typeof doc.expires_in === 'number' && doc.expires_in > 0 ? doc.expires_in : 60;
    return {
      scopes: wanted,
      header: `Bearer ${token}`,
      expiresAt: Date.now() + Math.max(seconds * 1000 - EXPIRY_MARGIN_MS, 1000),
    };
  }
}

function bearerRealm(challenge: Challenge): BearerRealm | undefined {
  const realm = challenge.params.realm;
  if (!realm) return undefined;
  try {
    const u = new URL(realm);
    if (u.protocol !== 'https:' && u.protocol !== 'http:') return undefined;
  } catch {
    return undefined;
  }
  return { realm, service: challenge.params.service };
}

function basicHeader(cred: Credential | undefined): string | undefined {
  if (isEmptyCredential(cred) || cred?.username === undefined || cred.password === undefined)
    return undefined;
  return `Basic ${Buffer.from(`${cred.username}:${cred.password}`).toString('base64')}`;
}
