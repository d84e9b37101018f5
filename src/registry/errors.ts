import { NotFoundError, OcmError, type OcmErrorOptions, UnsupportedError } from '../errors.js';

/** Error bodies are read at most this far: enough for any distribution error document. */
export const MAX_ERROR_BODY = 64 * 1024;

/** One entry of the distribution error document `{"errors": [{code, message, detail}]}`. */
export interface DistributionErrorEntry {
  readonly code: string;
  readonly message: string;
}

export interface RegistryErrorInit {
  readonly method: string;
  /** Already redacted: never pass a URL with credentials or session state. */
  readonly url: string;
  /** HTTP status, or undefined when no response arrived (connection refused, reset, timeout). */
  readonly status: number | undefined;
  readonly errors?: readonly DistributionErrorEntry[];
  /** Seconds the server asked us to wait (`Retry-After`), when it said so. */
  readonly retryAfter?: number;
  /** Overrides the status-based verdict, e.g. false for a TLS failure without a response. */
  readonly temporary?: boolean;
  /** A 401: whether credentials for the host were offered (then refused), or there were none. */
  readonly credentialsOffered?: boolean;
}

/**
 * A request the registry answered with an error, or that got no answer. Carries the method, the
 * redacted URL, the status and the distribution error codes; `temporary` tells whether trying the
 * same step again may succeed (429, 502/503/504, dropped connections). Messages never hold
 * credentials: URLs are redacted and request headers are never quoted.
 */
export class RegistryError extends OcmError {
  readonly method: string;
  readonly url: string;
  readonly status: number | undefined;
  readonly errors: readonly DistributionErrorEntry[];
  readonly temporary: boolean;
  readonly retryAfter: number | undefined;

  constructor(init: RegistryErrorInit, options: OcmErrorOptions = {}, code = 'REGISTRY_ERROR') {
    const detail = init.errors?.length
      ? `: ${init.errors.map((e) => (e.message ? `${e.code}: ${e.message}` : e.code)).join('; ')}`
      : '';
    const what = init.status === undefined ? 'failed without a response' : `answered ${init.status}`;
    super(code, `${init.method} ${init.url} ${what}${detail}`, options);
    this.method = init.method;
    this.url = init.url;
    this.status = init.status;
    this.errors = init.errors ?? [];
    this.retryAfter = init.retryAfter;
    this.temporary =
      init.temporary ??
      (init.status === undefined ||
        init.status === 429 ||
        init.status === 502 ||
        init.status === 503 ||
        init.status === 504 ||
        this.errors.some((e) => e.code === 'TOOMANYREQUESTS'));
  }

  /** Whether the registry named this distribution error code. */
  hasCode(code: string): boolean {
    return this.errors.some((e) => e.code === code);
  }
}

/** The registry refused our credentials (401 after authenticating) or the action (403). */
export class RegistryAuthError extends RegistryError {
  /** Whether credentials were offered: a 401 with them is a wrong password (or token), without them a missing login. */
  readonly credentialsOffered: boolean;
  constructor(init: RegistryErrorInit, options: OcmErrorOptions = {}) {
    super(
      init,
      {
        hint:
          init.status === 403
            ? 'the credentials are valid but lack permission for this repository or action'
            : init.credentialsOffered
              ? 'the registry refused the credentials offered: check the user name and password (docker config.json or explicit credentials)'
              : 'no credentials for this registry: add them to the docker config.json or pass them explicitly',
        ...options,
      },
      'REGISTRY_UNAUTHORIZED',
    );
    this.credentialsOffered = init.credentialsOffered === true;
  }
}

/**
 * The registry can remove a tag neither by `DELETE` on the tag nor by the throw-away manifest
 * fallback (docs/aliases.md, Removing an alias). The tag is left as it was.
 */
export class TagDeletionUnsupportedError extends UnsupportedError {
  override readonly code = 'TAG_DELETION_UNSUPPORTED';
  readonly tag: string;
  constructor(repository: string, tag: string, options: OcmErrorOptions = {}) {
    super(`${repository}: the registry refuses to delete tag ${JSON.stringify(tag)}`, {
      hint: 'the registry allows neither tag deletion nor manifest deletion; enable deletes (Distribution: storage.delete.enabled) or remove the tag with the registry UI',
      ...options,
    });
    this.tag = tag;
  }
}

/** Query parameters that name content, never secrets or server session state: kept when redacting. */
const safeQuery = new Set([
  'n',
  'last',
  'digest',
  'mount',
  'from',
  'artifactType',
  'tag',
  'service',
  'scope',
]);

/**
 * A URL safe for errors and logs: no user-info, and query values other than the known harmless ones
 * replaced (upload locations carry server state, some registries sign URLs with tokens).
 */
export function redactUrl(url: string | URL): string {
  let u: URL;
  try {
    u = new URL(String(url));
  } catch {
    return '<invalid URL>';
  }
  if (u.username || u.password) {
    u.username = 'REDACTED';
    u.password = '';
  }
  for (const key of [...u.searchParams.keys()]) {
    if (!safeQuery.has(key)) u.searchParams.set(key, 'REDACTED');
  }
  return u.toString();
}

/** Parses a distribution error document; anything else yields no entries. */
export function parseErrorBody(body: Uint8Array): DistributionErrorEntry[] {
  try {
    const doc = JSON.parse(Buffer.from(body).toString('utf8')) as unknown;
    const list = (doc as { errors?: unknown })?.errors;
    if (!Array.isArray(list)) return [];
    return list
      .filter((e): e is Record<string, unknown> => typeof e === 'object' && e !== null)
      .map((e) => ({
        code: typeof e.code === 'string' ? e.code.slice(0, 100) : 'UNKNOWN',
        message: typeof e.message === 'string' ? e.message.slice(0, 500) : '',
      }));
  } catch {
    return [];
  }
}

/** Translates a 404 into the domain `NotFoundError`, keeping the registry error as cause. */
export function notFound(what: string, cause: RegistryError): NotFoundError {
  return new NotFoundError(what, { cause });
}

/** A config file or helper we could not use; never quotes a secret or helper output. */
export class CredentialError extends OcmError {
  constructor(message: string, hint?: string) {
    super('CREDENTIALS', message, hint ? { hint } : {});
  }
}
