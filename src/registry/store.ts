import { Readable } from 'node:stream';
import { NotFoundError, UnsupportedError } from '../errors.js';
import { mapLimit } from '../oci/concurrency.js';
import type {
  Content,
  Deleter,
  FetchedReference,
  Mounter,
  OperationOptions,
  PushReferenceOptions,
  ReferenceFetcher,
  ReferrerLister,
  Store,
  StoreProvider,
  TagListOptions,
  Untagger,
} from '../oci/content/storage.js';
import type { Descriptor } from '../oci/descriptor.js';
import { digestOf, isValidDigest, parseDigest, verifyBytes } from '../oci/digest.js';
import { DigestMismatchError, SizeMismatchError, TooLargeError } from '../oci/errors.js';
import { MAX_MANIFEST_SIZE, parseManifest, referencedDescriptors } from '../oci/manifest.js';
import { isManifestType, MediaType, manifestAcceptHeader } from '../oci/mediatype.js';
import { validateRepository, validateTag } from '../oci/reference.js';
import { Authenticator } from './auth/authenticator.js';
import { type Credential, type CredentialProvider, staticCredentials } from './auth/credentials.js';
import { catalogScope, repositoryScope } from './auth/scope.js';
import { type BlobContext, type LearnedUploads, mountOrStart, openBlob, uploadBlob } from './blobs.js';
import { type ClientRequest, hasStatus, RegistryClient } from './client.js';
import { RegistryAuthError, RegistryError } from './errors.js';
import { pages } from './pages.js';
import { listReferrers } from './referrers.js';
import { type RetryOptions, retryPolicy } from './retry.js';
import { type HttpResponse, header, readBody, Transport, type TransportOptions } from './transport.js';
import { removeTag } from './untag.js';

export interface RegistryStoreOptions extends TransportOptions {
  /** `host[:port]` of the registry, e.g. `ghcr.io` or `127.0.0.1:5000`. */
  readonly host: string;
  /**
   * Speak HTTP instead of HTTPS. Default: true for loopback hosts (`localhost`, `127.0.0.0/8`,
   * `[::1]`), false for every other host.
   */
  readonly plainHttp?: boolean;
  /** Fixed credentials, or a provider such as `dockerConfigCredentials(...)`. Default: anonymous. */
  readonly credentials?: Credential | CredentialProvider;
  /** Retries of idempotent steps. Defaults: see `RetryOptions`. */
  readonly retry?: RetryOptions;
  /** Streams up to this size are buffered and uploaded in one PUT. Default 16 MiB. */
  readonly monolithicMaxSize?: number;
  /**
   * PATCH chunk size for larger streams. Two chunks are held in memory: the next is read while this
   * one is sent. Default 8 MiB. Setting it selects chunked uploads (see `streamedPut`).
   */
  readonly chunkSize?: number;
  /**
   * Send streams larger than `monolithicMaxSize` in one streamed PUT (two requests, no chunk held in
   * memory) instead of PATCH chunks. Default true, unless `chunkSize` is given.
   */
  readonly streamedPut?: boolean;
  /**
   * Check with HEAD, before pushing a manifest, that everything it names is present, so that no
   * manifest lands whose content is missing even on registries that do not check. Default true.
   */
  readonly verifyManifestReferences?: boolean;
  /**
   * Where blobs were seen, shared by stores of one process (`open.ts` passes one to all), so that a
   * store copying from one repository of a registry into another mounts instead of uploading.
   */
  readonly mountSources?: MountSources;
}

/**
 * Which repository of which registry a blob was last seen in (fetched, found or stored), by any
 * store given this object: candidates for cross-repository mounts. A stale entry costs one request
 * (the registry answers the mount with an upload session instead). Bounded.
 */
export class MountSources {
  readonly #byHost = new Map<string, Map<string, string>>();

  note(host: string, repository: string, digest: string): void {
    let seen = this.#byHost.get(host);
    if (!seen) {
      seen = new Map();
      this.#byHost.set(host, seen);
    }
    if (seen.size >= MAX_REMEMBERED) seen.clear();
    seen.set(digest, repository);
  }

  find(host: string, digest: string): string | undefined {
    return this.#byHost.get(host)?.get(digest);
  }
}

/** Loopback hosts default to plain HTTP: a local test registry rarely has a certificate. */
export function isLoopbackHost(host: string): boolean {
  const bare = host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : host.replace(/:\d+$/, '');
  return bare === 'localhost' || bare === '[::1]' || /^127(?:\.\d{1,3}){3}$/.test(bare);
}

interface Shared {
  readonly client: RegistryClient;
  readonly origin: string;
  readonly monolithicMaxSize: number;
  readonly chunkSize: number;
  readonly streamedPut: boolean;
  readonly learned: LearnedUploads;
  readonly verifyManifestReferences: boolean;
  /** Learned on first use: whether the registry serves the referrers API. */
  referrersApi: boolean | undefined;
  /** Learned on first use: the registry answers tag DELETE with 400/405 (Distribution 2.x). */
  tagDeleteRefused: boolean;
  /**
   * Digests this client saw present (HEAD 200) or stored itself, per repository. Content is
   * addressed by digest, so the answer cannot change unless someone deletes it: then a later push
   * of a manifest naming it fails with the registry's MANIFEST_BLOB_UNKNOWN, typed, not silently.
   * Spares the repeated HEADs of a transfer (exists, push, manifest check). Bounded.
   */
  readonly present: Map<string, Set<string>>;
  /**
   * Digests a HEAD of this client found missing, per repository, so that the push that follows such
   * an answer does not ask again. A stale entry costs at most an upload the registry did not need.
   */
  readonly absent: Map<string, Set<string>>;
  readonly host: string;
  readonly mountSources: MountSources;
}

/** Digests remembered per repository before the set is cleared and relearned. */
const MAX_REMEMBERED = 10_000;

/**
 * A distribution-spec registry as a `StoreProvider`: one `RegistryRepository` per repository name,
 * all sharing one connection pool, token cache and retry policy. Call `close()` when done.
 */
export class RegistryStore implements StoreProvider<RegistryRepository> {
  readonly host: string;
  readonly #transport: Transport;
  readonly #shared: Shared;

  /** Requests sent again after a transient failure (5xx, 429, a dropped connection), for all repositories. */
  get retries(): number {
    return this.#shared.client.retries;
  }

  constructor(options: RegistryStoreOptions) {
    this.host = options.host;
    const plainHttp = options.plainHttp ?? isLoopbackHost(options.host);
    this.#transport = new Transport(options);
    const credentials =
      typeof options.credentials === 'function'
        ? options.credentials
        : staticCredentials(options.credentials);
    const auth = new Authenticator({ transport: this.#transport, credentials });
    this.#shared = {
      client: new RegistryClient(this.#transport, auth, retryPolicy(options.retry)),
      origin: `${plainHttp ? 'http' : 'https'}://${options.host}`,
      monolithicMaxSize: options.monolithicMaxSize ?? 16 * 1024 * 1024,
      chunkSize: options.chunkSize ?? 8 * 1024 * 1024,
      streamedPut: options.streamedPut ?? options.chunkSize === undefined,
      learned: { monolithicPost: undefined },
      verifyManifestReferences: options.verifyManifestReferences ?? true,
      referrersApi: undefined,
      tagDeleteRefused: false,
      present: new Map(),
      absent: new Map(),
      host: options.host,
      mountSources: options.mountSources ?? new MountSources(),
    };
  }

  repository(name: string): RegistryRepository {
    return new RegistryRepository(this.#shared, validateRepository(name));
  }

  /** Pings `/v2/`: resolves when the registry answers as one (authenticating if asked). */
  async ping(options: OperationOptions = {}): Promise<void> {
    await this.#shared.client.send({
      method: 'GET',
      url: new URL('/v2/', this.#shared.origin),
      scopes: [],
      expect: [200],
      idempotent: true,
      signal: options.signal,
    });
  }

  /**
   * Repository names from `/v2/_catalog`, `pageSize` (default 1000) per request, following `Link`
   * pages. Registries may refuse the catalog (`RegistryAuthError`) or list repositories without
   * manifests.
   */
  async *repositories(
    options: OperationOptions & { readonly pageSize?: number } = {},
  ): AsyncIterable<string> {
    const url = new URL('/v2/_catalog', this.#shared.origin);
    url.searchParams.set('n', String(options.pageSize ?? 1000));
    for await (const page of pages(
      this.#shared.client,
      url,
      'repositories',
      [catalogScope],
      options.signal,
    )) {
      yield* page;
    }
  }

  async close(): Promise<void> {
    await this.#transport.close();
  }
}

const MAX_CACHED_MANIFESTS = 64;

/** One repository of a registry: every capability of the content interfaces. */
export class RegistryRepository
  implements Store, Untagger, Deleter, ReferenceFetcher, Mounter, ReferrerLister
{
  readonly name: string;
  readonly #shared: Shared;
  readonly #base: URL;
  readonly #blobs: BlobContext;
  readonly #pull: readonly string[];
  readonly #push: readonly string[];
  /** Bytes of manifests pushed or fetched lately, so tagging one costs a single PUT. */
  readonly #recent = new Map<string, { mediaType: string; bytes: Uint8Array }>();

  constructor(shared: Shared, name: string) {
    this.#shared = shared;
    this.name = name;
    this.#base = new URL(`/v2/${name}/`, shared.origin);
    this.#pull = [repositoryScope(name, 'pull')];
    this.#push = [repositoryScope(name, 'pull', 'push')];
    this.#blobs = {
      client: shared.client,
      base: this.#base,
      name,
      pullScopes: this.#pull,
      pushScopes: this.#push,
      monolithicMaxSize: shared.monolithicMaxSize,
      chunkSize: shared.chunkSize,
      streamedPut: shared.streamedPut,
      learned: shared.learned,
    };
  }

  get #client(): RegistryClient {
    return this.#shared.client;
  }

  async fetch(target: Descriptor, options: OperationOptions = {}): Promise<Readable> {
    options.signal?.throwIfAborted();
    if (isManifestType(target.mediaType)) {
      const got = await this.#getManifest(target.digest, options.signal);
      verifyBytes(got.bytes, target, `manifest ${target.digest}`);
      return Readable.from([got.bytes]);
    }
    const stream = await openBlob(this.#blobs, target, options.signal);
    this.#shared.mountSources.note(this.#shared.host, this.name, target.digest);
    return stream;
  }

  async exists(target: Descriptor, options: OperationOptions = {}): Promise<boolean> {
    options.signal?.throwIfAborted();
    return this.#exists(target, this.#pull, options.signal);
  }

  #rememberPresent(digest: string): void {
    remember(this.#shared.present, this.name, digest);
    this.#shared.mountSources.note(this.#shared.host, this.name, digest);
    this.#shared.absent.get(this.name)?.delete(digest);
  }

  /** HEAD on a manifest or blob; a push asks with push scopes so one token serves the whole push. */
  async #exists(target: Descriptor, scopes: readonly string[], signal?: AbortSignal): Promise<boolean> {
    if (this.#shared.present.get(this.name)?.has(target.digest)) return true;
    const kind = isManifestType(target.mediaType) ? 'manifests' : 'blobs';
    const res = await this.#client.send({
      method: 'HEAD',
      url: this.#url(kind, target.digest),
      headers: kind === 'manifests' ? { accept: manifestAcceptHeader } : {},
      scopes,
      expect: [200, 404],
      idempotent: true,
      signal,
    });
    if (res.status === 200) this.#rememberPresent(target.digest);
    else remember(this.#shared.absent, this.name, target.digest);
    return res.status === 200;
  }

  /** Whether a HEAD of this client found `digest` missing (and nothing has stored it since). */
  #knownAbsent(digest: string): boolean {
    return this.#shared.absent.get(this.name)?.has(digest) ?? false;
  }

  async push(expected: Descriptor, content: Content, options: OperationOptions = {}): Promise<void> {
    const { signal } = options;
    signal?.throwIfAborted();
    parseDigest(expected.digest);
    if (isManifestType(expected.mediaType)) {
      await this.#pushManifest(expected, content, signal);
      return;
    }
    if (!this.#knownAbsent(expected.digest) && (await this.#exists(expected, this.#push, signal))) {
      if (!(content instanceof Uint8Array)) content.destroy();
      return;
    }
    await uploadBlob(this.#blobs, expected, content, signal);
    this.#rememberPresent(expected.digest);
  }

  /**
   * Pushes `expected` unless the registry has it, opening the content only when it must be sent.
   * Resolves true when it uploaded, false when the content was there. A blob costs one request when
   * present and two when not: a mount (from a repository of this registry where this client saw it,
   * else from this repository itself) either links it (201) or opens the upload session (202) that
   * the bytes then go to, where a HEAD, a POST and a PUT would be three. Blobs above
   * `monolithicMaxSize` are mounted from another repository where they were seen, else checked with
   * HEAD first, so that a registry that ignores mounts never receives a large blob twice.
   * Manifests: `exists`, then `push`.
   */
  async pushIfAbsent(
    expected: Descriptor,
    open: () => Promise<Content>,
    options: OperationOptions = {},
  ): Promise<boolean> {
    const { signal } = options;
    signal?.throwIfAborted();
    parseDigest(expected.digest);
    if (this.#shared.present.get(this.name)?.has(expected.digest)) return false;
    let session: URL | undefined;
    const from = isManifestType(expected.mediaType) ? undefined : this.#seenElsewhere(expected.digest);
    if (from !== undefined && expected.size > this.#shared.monolithicMaxSize) {
      // A large blob seen in another repository: mount it from there, or send it into the session.
      const probe = await this.#mountFrom(expected.digest, from, signal);
      if (probe?.mounted) {
        this.#rememberPresent(expected.digest);
        return false;
      }
      session = probe?.session;
    } else if (isManifestType(expected.mediaType) || expected.size > this.#shared.monolithicMaxSize) {
      if (!this.#knownAbsent(expected.digest) && (await this.#exists(expected, this.#push, signal)))
        return false;
      if (isManifestType(expected.mediaType)) {
        await this.push(expected, await open(), options);
        return true;
      }
    } else if (!this.#knownAbsent(expected.digest)) {
      const probe =
        (from === undefined ? undefined : await this.#mountFrom(expected.digest, from, signal)) ??
        (await mountOrStart(this.#blobs, expected.digest, this.name, [], signal));
      if (probe.mounted) {
        this.#rememberPresent(expected.digest);
        return false;
      }
      session = probe.session;
    }
    await uploadBlob(this.#blobs, expected, await open(), signal, session);
    this.#rememberPresent(expected.digest);
    return true;
  }

  /** Another repository of this registry where `digest` was seen (by this store or another), to mount it from. */
  #seenElsewhere(digest: string): string | undefined {
    for (const [name, digests] of this.#shared.present)
      if (name !== this.name && digests.has(digest)) return name;
    const seen = this.#shared.mountSources.find(this.#shared.host, digest);
    return seen === this.name ? undefined : seen;
  }

  /** A mount from another repository; undefined when the credentials do not reach it. */
  async #mountFrom(digest: string, from: string, signal?: AbortSignal) {
    try {
      return await mountOrStart(this.#blobs, digest, from, [repositoryScope(from, 'pull')], signal);
    } catch (err) {
      if (err instanceof RegistryAuthError) return undefined;
      throw err;
    }
  }

  /**
   * Pushes a manifest straight to `reference` (a tag): one PUT, where `push` and `tag` would be two.
   * The registry stores it by digest too. The same checks as `push` apply.
   */
  async pushReference(
    expected: Descriptor,
    content: Content,
    reference: string,
    options: PushReferenceOptions = {},
  ): Promise<void> {
    const { signal } = options;
    signal?.throwIfAborted();
    parseDigest(expected.digest);
    validateTag(reference);
    if (!isManifestType(expected.mediaType)) {
      throw new UnsupportedError(`${this.name}: only manifests are pushed by tag, not ${expected.mediaType}`);
    }
    await this.#pushManifest(expected, content, signal, reference, options.referencesPresent === true);
  }

  async resolve(reference: string, options: OperationOptions = {}): Promise<Descriptor> {
    const { signal } = options;
    signal?.throwIfAborted();
    const byDigest = this.#checkReference(reference);
    const res = await this.#notFound(
      reference,
      this.#client.send(this.#manifestRead('HEAD', reference, signal)),
    );
    const digest = header(res, 'docker-content-digest');
    const mediaType = contentType(res);
    const size = Number(header(res, 'content-length'));
    if (
      !digest ||
      !isValidDigest(digest) ||
      !mediaType ||
      !isManifestType(mediaType) ||
      !Number.isSafeInteger(size)
    ) {
      // Old registries omit Docker-Content-Digest: fetch the manifest and compute it.
      return (await this.#getManifest(reference, signal)).descriptor;
    }
    if (byDigest && sameAlgorithm(digest, reference) && digest !== reference) {
      throw new DigestMismatchError(reference, digest, `manifest ${reference}`);
    }
    return { mediaType, digest: byDigest ? reference : digest, size };
  }

  async fetchReference(reference: string, options: OperationOptions = {}): Promise<FetchedReference> {
    options.signal?.throwIfAborted();
    this.#checkReference(reference);
    const got = await this.#getManifest(reference, options.signal);
    return { descriptor: got.descriptor, content: Readable.from([got.bytes]) };
  }

  async tag(target: Descriptor, tag: string, options: OperationOptions = {}): Promise<void> {
    options.signal?.throwIfAborted();
    validateTag(tag);
    const known = this.#recent.get(target.digest) ?? (await this.#getManifest(target.digest, options.signal));
    verifyBytes(
      known.bytes,
      { digest: target.digest, size: known.bytes.byteLength },
      `manifest ${target.digest}`,
    );
    await this.#putManifest(tag, known.mediaType, known.bytes, options.signal);
  }

  /** Removes one tag and nothing else, with the throw-away-manifest fallback (`removeTag`, untag.ts). */
  untag(tag: string, options: OperationOptions = {}): Promise<void> {
    const shared = this.#shared;
    return removeTag(
      {
        name: this.name,
        client: this.#client,
        url: (kind, reference) => this.#url(kind, reference),
        scopes: this.#push,
        refused: {
          get: () => shared.tagDeleteRefused,
          set: () => {
            shared.tagDeleteRefused = true;
          },
        },
        resolve: (reference, o) => this.resolve(reference, o),
        push: (expected, content, o) => this.push(expected, content, o),
        getManifest: (reference, signal) => this.#getManifest(reference, signal),
        putManifest: (reference, mediaType, bytes, signal) =>
          this.#putManifest(reference, mediaType, bytes, signal),
      },
      tag,
      options,
    );
  }

  /** Pages of tags: `n` per page (default 1000), following `Link`, else continuing after `last`. */
  async *tags(options: TagListOptions = {}): AsyncIterable<readonly string[]> {
    options.signal?.throwIfAborted();
    const url = this.#url('tags/list');
    url.searchParams.set('n', String(options.pageSize ?? 1000));
    if (options.last !== undefined) url.searchParams.set('last', options.last);
    yield* pages(this.#client, url, 'tags', this.#pull, options.signal, options.last);
  }

  async delete(target: Descriptor, options: OperationOptions = {}): Promise<void> {
    options.signal?.throwIfAborted();
    const kind = isManifestType(target.mediaType) ? 'manifests' : 'blobs';
    try {
      await this.#client.send({
        method: 'DELETE',
        url: this.#url(kind, target.digest),
        scopes: this.#push,
        expect: [200, 202, 204],
        idempotent: true,
        signal: options.signal,
      });
      this.#recent.delete(target.digest);
      this.#shared.present.get(this.name)?.delete(target.digest);
      remember(this.#shared.absent, this.name, target.digest);
    } catch (err) {
      if (hasStatus(err, 404))
        throw new NotFoundError(`${this.name}: ${target.digest} not found`, { cause: err });
      if (hasStatus(err, 405)) {
        throw new UnsupportedError(`${this.name}: the registry refuses to delete ${target.digest}`, {
          cause: err,
          hint: 'the registry has deletes disabled (Distribution: storage.delete.enabled)',
        });
      }
      throw err;
    }
  }

  /**
   * Mounts a blob from repository `from` of the same registry. When the registry does not mount
   * (it answers with an upload session instead), the bytes are copied through this client.
   */
  async mount(target: Descriptor, from: string, options: OperationOptions = {}): Promise<void> {
    const { signal } = options;
    signal?.throwIfAborted();
    validateRepository(from);
    const url = this.#url('blobs/uploads/');
    url.searchParams.set('mount', target.digest);
    url.searchParams.set('from', from);
    const res = await this.#client.send({
      method: 'POST',
      url,
      headers: { 'content-length': '0' },
      scopes: [...this.#push, repositoryScope(from, 'pull')],
      expect: [201, 202],
      idempotent: true,
      signal,
    });
    if (res.status === 201) return;
    const session = header(res, 'location');
    if (session) {
      await this.#client
        .send({
          method: 'DELETE',
          url: new URL(session, res.url),
          scopes: this.#push,
          expect: [200, 202, 204, 404],
          idempotent: true,
        })
        .catch(() => undefined);
    }
    const source = new RegistryRepository(this.#shared, from);
    await this.push(target, await source.fetch(target, options), options);
  }

  /**
   * Referrers of `subject` through the referrers API; where the registry has none (404), through
   * the referrers tag schema (`<alg>-<hex>` pointing at an index), as clients without the API write it.
   */
  referrers(
    subject: Descriptor,
    options: OperationOptions & { readonly artifactType?: string } = {},
  ): AsyncIterable<readonly Descriptor[]> {
    const shared = this.#shared;
    return listReferrers(
      {
        client: this.#client,
        url: (kind) => this.#url(kind),
        scopes: this.#pull,
        api: {
          get: () => shared.referrersApi,
          set: (served) => {
            shared.referrersApi = served;
          },
        },
        getManifest: (reference, signal) => this.#getManifest(reference, signal),
      },
      subject,
      options,
    );
  }

  #url(kind: string, reference?: string): URL {
    return new URL(reference === undefined ? kind : `${kind}/${reference}`, this.#base);
  }

  /** GET or HEAD of a manifest by tag or digest, accepting every manifest type we know. */
  #manifestRead(method: 'GET' | 'HEAD', reference: string, signal?: AbortSignal): ClientRequest {
    return {
      method,
      url: this.#url('manifests', reference),
      headers: { accept: manifestAcceptHeader },
      scopes: this.#pull,
      expect: [200],
      idempotent: true,
      signal,
    };
  }

  /** Validates a tag or digest reference; true for a digest. */
  #checkReference(reference: string): boolean {
    if (isValidDigest(reference)) return true;
    validateTag(reference);
    return false;
  }

  async #notFound<T>(reference: string, pending: Promise<T>): Promise<T> {
    try {
      return await pending;
    } catch (err) {
      if (hasStatus(err, 404))
        throw new NotFoundError(`${this.name}: ${reference} not found`, { cause: err });
      throw err;
    }
  }

  /** GETs a manifest (at most 4 MiB) and checks its bytes against the digest asked for or announced. */
  async #getManifest(reference: string, signal?: AbortSignal) {
    const byDigest = isValidDigest(reference);
    const got = await this.#notFound(
      reference,
      this.#client.call(this.#manifestRead('GET', reference, signal), async (res) => {
        const tooLarge = () => new TooLargeError(`manifest ${reference}`, MAX_MANIFEST_SIZE);
        if (Number(header(res, 'content-length')) > MAX_MANIFEST_SIZE) {
          res.body.destroy();
          throw tooLarge();
        }
        const bytes = await readBody(res, MAX_MANIFEST_SIZE, tooLarge);
        return {
          bytes,
          mediaType: contentType(res) ?? mediaTypeOf(bytes),
          announced: header(res, 'docker-content-digest'),
        };
      }),
    );
    const { bytes, mediaType, announced } = got;
    let digest: string;
    if (byDigest) digest = reference;
    else if (announced && isValidDigest(announced)) digest = announced;
    else digest = digestOf(bytes);
    verifyBytes(bytes, { digest, size: bytes.byteLength }, `manifest ${reference}`);
    if (announced && isValidDigest(announced) && sameAlgorithm(announced, digest) && announced !== digest) {
      throw new DigestMismatchError(digest, announced, `manifest ${reference}`);
    }
    this.#remember(digest, mediaType, bytes);
    return { descriptor: { mediaType, digest, size: bytes.byteLength } as Descriptor, bytes, mediaType };
  }

  async #pushManifest(
    expected: Descriptor,
    content: Content,
    signal?: AbortSignal,
    reference = expected.digest,
    referencesPresent = false,
  ): Promise<void> {
    const what = `manifest ${expected.digest}`;
    if (expected.size > MAX_MANIFEST_SIZE) throw new TooLargeError(what, MAX_MANIFEST_SIZE);
    let bytes: Uint8Array;
    if (content instanceof Uint8Array) bytes = content;
    else {
      const chunks: Buffer[] = [];
      let total = 0;
      for await (const c of content) {
        const buf = typeof c === 'string' ? Buffer.from(c) : (c as Buffer);
        total += buf.byteLength;
        if (total > expected.size) {
          content.destroy();
          throw new SizeMismatchError(expected.size, total, what);
        }
        chunks.push(buf);
      }
      bytes = Buffer.concat(chunks, total);
    }
    verifyBytes(bytes, expected, what);
    const manifest = parseManifest(bytes, expected.mediaType);
    if (this.#shared.verifyManifestReferences && !referencesPresent) {
      const refs = [...new Map(referencedDescriptors(manifest).map((d) => [d.digest, d])).values()];
      const present = await mapLimit(refs, 6, (d) => this.#exists(d, this.#push, signal));
      const missing = refs.filter((_, i) => !present[i]);
      if (missing.length) {
        throw new NotFoundError(
          `${this.name}: manifest ${expected.digest} refers to missing ${missing.map((d) => d.digest).join(', ')}`,
        );
      }
    }
    await this.#putManifest(reference, expected.mediaType, bytes, signal);
    this.#rememberPresent(expected.digest);
  }

  async #putManifest(
    reference: string,
    mediaType: string,
    bytes: Uint8Array,
    signal?: AbortSignal,
  ): Promise<void> {
    const req: ClientRequest = {
      method: 'PUT',
      url: this.#url('manifests', reference),
      headers: { 'content-type': mediaType, 'content-length': String(bytes.byteLength) },
      body: bytes,
      scopes: this.#push,
      expect: [200, 201, 202],
      idempotent: true, // the same bytes under the same name: sending twice changes nothing
      signal,
    };
    let res: HttpResponse;
    try {
      res = await this.#client.send(req);
    } catch (err) {
      if (
        err instanceof RegistryError &&
        (err.hasCode('MANIFEST_BLOB_UNKNOWN') ||
          err.hasCode('BLOB_UNKNOWN') ||
          (err.status === 404 && err.hasCode('MANIFEST_UNKNOWN')))
      ) {
        throw new NotFoundError(
          `${this.name}: the registry refused ${reference}: content it names is missing`,
          { cause: err },
        );
      }
      throw err;
    }
    const digest = digestOf(bytes);
    const announced = header(res, 'docker-content-digest');
    if (announced && isValidDigest(announced) && sameAlgorithm(announced, digest) && announced !== digest) {
      throw new DigestMismatchError(digest, announced, `manifest pushed as ${reference}`);
    }
    this.#remember(digest, mediaType, bytes);
  }

  #remember(digest: string, mediaType: string, bytes: Uint8Array): void {
    this.#recent.delete(digest);
    this.#recent.set(digest, { mediaType, bytes });
    if (this.#recent.size > MAX_CACHED_MANIFESTS) this.#recent.delete(this.#recent.keys().next().value!);
  }
}

/** Adds `digest` to the bounded set of `name` (cleared and relearned when full). */
function remember(map: Map<string, Set<string>>, name: string, digest: string): void {
  let known = map.get(name);
  if (!known) {
    known = new Set();
    map.set(name, known);
  }
  if (known.size >= MAX_REMEMBERED) known.clear();
  known.add(digest);
}

function contentType(res: HttpResponse): string | undefined {
  const value = header(res, 'content-type')?.split(';')[0]?.trim();
  return value && isManifestType(value) ? value : undefined;
}

/** The media type a manifest names itself, for registries that send no usable Content-Type. */
function mediaTypeOf(bytes: Uint8Array): string {
  try {
    const doc = JSON.parse(Buffer.from(bytes).toString('utf8')) as {
      mediaType?: unknown;
      manifests?: unknown;
    };
    if (typeof doc.mediaType === 'string' && isManifestType(doc.mediaType)) return doc.mediaType;
    return Array.isArray(doc.manifests) ? MediaType.ImageIndex : MediaType.ImageManifest;
  } catch {
    return MediaType.ImageManifest;
  }
}

function sameAlgorithm(a: string, b: string): boolean {
  return a.slice(0, a.indexOf(':')) === b.slice(0, b.indexOf(':'));
}
