import { parseDigest } from './digest.js';
import { InvalidReferenceError } from './errors.js';

/**
 * Grammars of the OCI distribution spec.
 * https://github.com/opencontainers/distribution-spec/blob/v1.1.0/spec.md#pulling-manifests
 */
export const tagPattern = /^[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}$/;
const pathComponent = '[a-z0-9]+(?:(?:\\.|_|__|-+)[a-z0-9]+)*';
export const repositoryPattern = new RegExp(`^${pathComponent}(?:/${pathComponent})*$`);
/** Many clients cap host + "/" + name at 255 characters; we cap the name alone there. */
export const MAX_REPOSITORY_LENGTH = 255;

export function isValidTag(tag: string): boolean {
  return typeof tag === 'string' && tagPattern.test(tag);
}

export function isValidRepository(name: string): boolean {
  return typeof name === 'string' && name.length <= MAX_REPOSITORY_LENGTH && repositoryPattern.test(name);
}

export function validateTag(tag: string): string {
  if (!isValidTag(tag)) {
    throw new InvalidReferenceError(
      `invalid tag ${quote(tag)}: tags match [A-Za-z0-9_][A-Za-z0-9._-]{0,127}`,
    );
  }
  return tag;
}

export function validateRepository(name: string): string {
  if (!isValidRepository(name)) {
    throw new InvalidReferenceError(
      `invalid repository name ${quote(name)}: lower-case path components of [a-z0-9] joined by ".", "_", "__" or "-", at most ${MAX_REPOSITORY_LENGTH} characters`,
    );
  }
  return name;
}

/** A reference within one store: `repository[:tag][@digest]`. At least tag or digest is set. */
export interface Reference {
  readonly repository: string;
  readonly tag?: string;
  readonly digest?: string;
}

/** A reference with the registry host: `host[:port]/repository[:tag][@digest]`. */
export interface RemoteReference extends Reference {
  readonly registry: string;
}

/**
 * Parses `repo:tag`, `repo@digest` or `repo:tag@digest`. With `requireVersion: false` a bare
 * repository name is accepted too.
 */
export function parseReference(text: string, options: { requireVersion?: boolean } = {}): Reference {
  if (typeof text !== 'string' || text.length === 0 || text.length > 4096) {
    throw new InvalidReferenceError(`invalid reference ${quote(text)}`);
  }
  let rest = text;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    try {
      parseDigest(digest);
    } catch (cause) {
      throw new InvalidReferenceError(`invalid reference ${quote(text)}: ${(cause as Error).message}`, {
        cause,
      });
    }
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon >= 0 && !rest.slice(colon + 1).includes('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!isValidTag(tag))
      throw new InvalidReferenceError(`invalid reference ${quote(text)}: bad tag ${quote(tag)}`);
  }
  if (!isValidRepository(rest)) {
    throw new InvalidReferenceError(`invalid reference ${quote(text)}: bad repository name ${quote(rest)}`);
  }
  if (options.requireVersion !== false && tag === undefined && digest === undefined) {
    throw new InvalidReferenceError(`invalid reference ${quote(text)}: needs a :tag or @digest`);
  }
  return {
    repository: rest,
    ...(tag === undefined ? {} : { tag }),
    ...(digest === undefined ? {} : { digest }),
  };
}

const hostPattern =
  /^(?:localhost|\[[0-9a-fA-F:.]+\]|(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)(?:\.(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?))*)(?::[0-9]{1,5})?$/;

export function isValidRegistryHost(host: string): boolean {
  return hostPattern.test(host);
}

/** Parses `host[:port]/repository[:tag][@digest]`; the host part is mandatory. */
export function parseRemoteReference(
  text: string,
  options: { requireVersion?: boolean } = {},
): RemoteReference {
  const slash = typeof text === 'string' ? text.indexOf('/') : -1;
  if (slash <= 0)
    throw new InvalidReferenceError(`invalid reference ${quote(text)}: expected host/repository`);
  const registry = text.slice(0, slash);
  if (!isValidRegistryHost(registry)) {
    throw new InvalidReferenceError(`invalid reference ${quote(text)}: bad registry host ${quote(registry)}`);
  }
  return { registry, ...parseReference(text.slice(slash + 1), options) };
}

export function formatReference(ref: Reference | RemoteReference): string {
  const host = 'registry' in ref ? `${ref.registry}/` : '';
  return `${host}${ref.repository}${ref.tag === undefined ? '' : `:${ref.tag}`}${ref.digest === undefined ? '' : `@${ref.digest}`}`;
}

function quote(value: unknown): string {
  const text = String(value);
  return JSON.stringify(text.length > 160 ? `${text.slice(0, 160)}...` : text);
}
