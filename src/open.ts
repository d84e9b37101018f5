/**
 * The one place that turns a repository reference into a store (docs/architecture.md): a CTF path or a
 * registry URL becomes an `OcmRepository` over the matching backend.
 *
 * Grammar (after ocm2's `compref.guessType`): `ctf::PATH` and `oci::HOST[/PREFIX]`
 * force the type; otherwise `http(s)://` and `oci://` URLs, `localhost[:port]`, `host:port` and a
 * first segment that looks like a domain (`ghcr.io/org`) are registries, and everything else (`./x`,
 * `/x`, `*.tar`, `*.tgz`, a bare word) is a CTF path.
 */
import { resolve } from 'node:path';
import { CachingProvider, ContentCache } from './cache/index.js';
import { Ctf } from './ctf/ctf.js';
import { CtfStore } from './ctf/store.js';
import { InvalidReferenceError } from './oci/errors.js';
import { isValidRegistryHost, parseRemoteReference } from './oci/reference.js';
import {
  type Credential,
  type CredentialProvider,
  MountSources,
  RegistryStore,
  type RequestEvent,
  type RetryOptions,
} from './registry/index.js';
import { type ArtifactFetcher, OcmRepository, type OcmRepositoryOptions } from './repository/index.js';
import { HistoryJournal, type HistoryJournalOptions } from './stages/history/index.js';
import { StagesPolicy } from './stages/policy/index.js';

/** The content cache, for the CLI's `cache` command. */
export { type CacheInfo, ContentCache } from './cache/index.js';
/** Credentials, as the CLI gathers them; re-exported so that nothing above this file needs the registry. */
export { type Credential, type CredentialProvider, dockerConfigCredentials } from './registry/index.js';

export type RepositorySpec =
  | { readonly type: 'ctf'; readonly path: string }
  | { readonly type: 'oci'; readonly host: string; readonly prefix: string; readonly plainHttp?: boolean };

const archiveExtension = /\.(tar|tgz|tar\.gz)$/i;
/** `[type::][scheme://]user:password@` at the start of a reference. */
const userInfo = /^((?:[A-Za-z]+::)?(?:[A-Za-z]+:\/\/)?)[^/@:]*:[^/@]*@/;

/** Parses a repository reference; relative CTF paths are resolved against `cwd`. */
export function parseRepositorySpec(text: string, cwd = '.'): RepositorySpec {
  if (typeof text !== 'string' || text.trim() === '')
    throw new InvalidReferenceError('empty repository reference');
  // `user:password@host` would be echoed by every error below: refuse it, without the password.
  if (userInfo.test(text.trim())) {
    throw new InvalidReferenceError(
      `credentials in the repository reference ${JSON.stringify(text.trim().replace(userInfo, '$1***@'))} are not accepted`,
      { hint: 'give them in a docker config.json (DOCKER_CONFIG) or with --username and --password-stdin' },
    );
  }
  let rest = text.trim();
  let forced: 'ctf' | 'oci' | undefined;
  const typed = /^(ctf|CTF|CommonTransportFormat|oci|OCI|OCIRepository|OCIRegistry)::/.exec(rest);
  if (typed) {
    forced = typed[1]!.toLowerCase().startsWith('c') ? 'ctf' : 'oci';
    rest = rest.slice(typed[0].length);
  }
  if (forced === 'ctf' || (!forced && looksLikePath(rest)))
    return { type: 'ctf', path: resolve(cwd, rest.replace(/^file:\/\//, '')) };
  let plainHttp: boolean | undefined;
  const scheme = /^(https?|oci):\/\//i.exec(rest);
  if (scheme) {
    plainHttp =
      scheme[1]!.toLowerCase() === 'http' ? true : scheme[1]!.toLowerCase() === 'https' ? false : undefined;
    rest = rest.slice(scheme[0].length);
  }
  rest = rest.replace(/\/+$/, '');
  const slash = rest.indexOf('/');
  const host = slash < 0 ? rest : rest.slice(0, slash);
  const prefix = slash < 0 ? '' : rest.slice(slash + 1);
  if (!isValidRegistryHost(host))
    throw new InvalidReferenceError(
      `invalid registry host ${JSON.stringify(host)} in ${JSON.stringify(text)}`,
    );
  if (
    prefix !== '' &&
    !/^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/.test(prefix)
  ) {
    throw new InvalidReferenceError(
      `invalid repository path ${JSON.stringify(prefix)} in ${JSON.stringify(text)}`,
    );
  }
  return { type: 'oci', host, prefix, ...(plainHttp === undefined ? {} : { plainHttp }) };
}

function looksLikePath(text: string): boolean {
  if (/^(https?|oci):\/\//i.test(text)) return false;
  if (
    text.startsWith('file://') ||
    text.startsWith('/') ||
    text.startsWith('./') ||
    text.startsWith('../') ||
    text === '.' ||
    text === '..'
  )
    return true;
  if (archiveExtension.test(text)) return true;
  const first = text.split('/')[0]!;
  if (
    first === 'localhost' ||
    /^localhost:\d+$/.test(first) ||
    /:\d+$/.test(first) ||
    /^\[[0-9a-fA-F:.]+\]/.test(first)
  )
    return false;
  if (/^[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}$/.test(first) || /^\d{1,3}(\.\d{1,3}){3}$/.test(first))
    return false;
  return true;
}

export interface OpenRepositoryOptions
  extends Pick<OcmRepositoryOptions, 'creator' | 'descriptorEncoding' | 'concurrency'> {
  /** CTF: create an empty one when the path is free. Default false. */
  readonly create?: boolean;
  /** CTF: refuse writes. Default false. */
  readonly readOnly?: boolean;
  /** Registry: credentials, or a provider such as `dockerConfigCredentials(...)`. */
  readonly credentials?: Credential | CredentialProvider;
  /** Registry: HTTP instead of HTTPS. Default: from the URL scheme, else true only for loopback hosts. */
  readonly plainHttp?: boolean;
  /** Registry: accept any TLS certificate. Default false. */
  readonly insecure?: boolean;
  /** Registry: extra trusted CA certificates (PEM file). */
  readonly caFile?: string;
  readonly retry?: RetryOptions;
  readonly onRequest?: (event: RequestEvent) => void;
  readonly lockTimeoutMs?: number;
  /**
   * Registry: keep manifests, descriptors and small blobs in this content-addressed cache on disk
   * (docs/cache.md), so that a warm alias or version lookup costs one HEAD. Default: no cache.
   */
  readonly cache?: OpenCacheOptions;
  /** Resolves relative CTF paths. Default the process's working directory. */
  readonly cwd?: string;
  /**
   * The alias history (docs/history.md): every alias change is recorded under `_ocm.history`.
   * Options set the default actor (else `unknown`), the clock and the tool name; `false` records
   * nothing. Default: recorded, with the defaults.
   */
  readonly history?: HistoryJournalOptions | false;
}

export interface OpenCacheOptions {
  readonly dir: string;
  /** Default 256 MiB. */
  readonly maxBytes?: number;
  /** Blobs up to this size are cached. Default 1 MiB. */
  readonly maxBlobSize?: number;
}

/**
 * Where this process has seen blobs, shared by every registry store it opens: a transfer between two
 * repositories of one registry mounts blobs instead of copying their bytes.
 */
const mountSources = new MountSources();

export interface GarbageReport {
  readonly entries: number;
  readonly blobs: number;
  readonly bytes: number;
  readonly tempFiles: number;
}

export interface OpenedRepository {
  readonly repository: OcmRepository;
  readonly spec: RepositorySpec;
  /** CTF only: garbage collection (see `Ctf.gc`); registries collect their own garbage. */
  readonly collectGarbage?: (options?: { dryRun?: boolean; signal?: AbortSignal }) => Promise<GarbageReport>;
  /** Releases files, connections and working copies. */
  close(): Promise<void>;
}

/** Opens an OCM repository on a CTF or a registry. */
export async function openRepository(
  ref: string | RepositorySpec,
  options: OpenRepositoryOptions = {},
): Promise<OpenedRepository> {
  const spec = typeof ref === 'string' ? parseRepositorySpec(ref, options.cwd) : ref;
  const repoOptions = {
    ...(options.creator === undefined ? {} : { creator: options.creator }),
    ...(options.descriptorEncoding === undefined ? {} : { descriptorEncoding: options.descriptorEncoding }),
    ...(options.concurrency === undefined ? {} : { concurrency: options.concurrency }),
    ...(options.history === false ? {} : { journal: new HistoryJournal(options.history ?? {}) }),
    // Gated stages move only through promote or with `force`, on every path (docs/aliases.md).
    policy: new StagesPolicy(),
  };
  if (spec.type === 'ctf') {
    const ctf = await Ctf.open(spec.path, {
      create: options.create ?? false,
      mode: options.readOnly ? 'readonly' : 'readwrite',
      ...(options.lockTimeoutMs === undefined ? {} : { lockTimeoutMs: options.lockTimeoutMs }),
    });
    const store = new CtfStore(ctf);
    return {
      repository: new OcmRepository(store, repoOptions),
      spec,
      collectGarbage: async (o = {}) => {
        const r = await store.gc(o);
        return { entries: r.entries.length, blobs: r.blobs.length, bytes: r.bytes, tempFiles: r.tempFiles };
      },
      close: () => store.close(),
    };
  }
  const store = new RegistryStore({
    host: spec.host,
    ...(options.plainHttp !== undefined
      ? { plainHttp: options.plainHttp }
      : spec.plainHttp !== undefined
        ? { plainHttp: spec.plainHttp }
        : {}),
    ...connection(options),
    mountSources,
  });
  const provider = options.cache
    ? new CachingProvider(store, new ContentCache(options.cache), spec.host)
    : store;
  return {
    repository: new OcmRepository(provider, { ...repoOptions, prefix: spec.prefix }),
    spec,
    close: () => store.close(),
  };
}

export interface OpenedArtifactSource {
  /** Resolves `host/repo:tag[@digest]` in the registry it names; pass to `transferComponentVersion`. */
  readonly fetchArtifact: ArtifactFetcher;
  close(): Promise<void>;
}

/**
 * Opens registries on demand for image references (`--copy-resources`): one store per host, with
 * the same credentials and connection options as repositories.
 */
export function artifactSource(
  options: Omit<OpenRepositoryOptions, 'create' | 'readOnly' | 'cwd'> = {},
): OpenedArtifactSource {
  const stores = new Map<string, RegistryStore>();
  return {
    fetchArtifact: async (imageReference, op) => {
      const ref = parseRemoteReference(imageReference.replace(/^(?:https?|oci):\/\//, ''));
      let entry = stores.get(ref.registry);
      if (!entry) {
        entry = new RegistryStore({
          host: ref.registry,
          ...(options.plainHttp === undefined ? {} : { plainHttp: options.plainHttp }),
          ...connection(options),
          mountSources,
        });
        stores.set(ref.registry, entry);
      }
      const store = entry.repository(ref.repository);
      const descriptor = await store.resolve(ref.digest ?? ref.tag!, op);
      if (ref.digest !== undefined && ref.tag !== undefined) {
        const tagged = await store.resolve(ref.tag, op);
        if (tagged.digest !== ref.digest) {
          throw new InvalidReferenceError(
            `${imageReference}: tag ${ref.tag} now names ${tagged.digest}, not the pinned ${ref.digest}`,
          );
        }
      }
      return { store, descriptor };
    },
    close: async () => {
      for (const store of stores.values()) await store.close();
    },
  };
}

/** The registry connection settings of `options` that every `RegistryStore` opened here shares. */
function connection(
  options: Pick<OpenRepositoryOptions, 'credentials' | 'caFile' | 'retry' | 'onRequest' | 'insecure'>,
) {
  return {
    ...(options.credentials === undefined ? {} : { credentials: options.credentials }),
    ...(options.caFile === undefined ? {} : { caFile: options.caFile }),
    ...(options.retry === undefined ? {} : { retry: options.retry }),
    ...(options.onRequest === undefined ? {} : { onRequest: options.onRequest }),
    ...(options.insecure ? { insecure: true } : {}),
  };
}
