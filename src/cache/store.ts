import { Readable } from 'node:stream';
import {
  canDelete,
  canFetchReference,
  canListReferrers,
  canMount,
  canPushIfAbsent,
  canPushReference,
  canUntag,
} from '../oci/content/guards.js';
import { readAll } from '../oci/content/read.js';
import type {
  ConditionalPusher,
  Content,
  Deleter,
  FetchedReference,
  Mounter,
  OperationOptions,
  ReferenceFetcher,
  ReferencePusher,
  ReferrerLister,
  Store,
  StoreProvider,
  TagListOptions,
  Untagger,
} from '../oci/content/storage.js';
import type { Descriptor } from '../oci/descriptor.js';
import { isValidDigest, verifyBytes } from '../oci/digest.js';
import { MAX_MANIFEST_SIZE } from '../oci/manifest.js';
import { isManifestType } from '../oci/mediatype.js';
import type { ContentCache } from './disk.js';

/**
 * A `Store` that serves content by digest from a `ContentCache` and asks the store below for
 * everything that can change: tags, listings, existence (docs/cache.md). A tag is fetched with GET
 * the first time (one request, and the answer is cached), and with HEAD afterwards: when the digest
 * the registry names is cached, that HEAD is the only request. Optional capabilities of the store
 * below (untag, delete, mount, referrers, ...) are offered exactly when it has them.
 */
export class CachingStore implements Store, ReferenceFetcher {
  readonly #inner: Store;
  readonly #cache: ContentCache;
  readonly #key: string;
  untag?: Untagger['untag'];
  delete?: Deleter['delete'];
  mount?: Mounter['mount'];
  referrers?: ReferrerLister['referrers'];
  pushIfAbsent?: ConditionalPusher['pushIfAbsent'];
  pushReference?: ReferencePusher['pushReference'];

  /** `key` names the repository in the cache's tag hints, e.g. `registry.example/acme/x`. */
  constructor(inner: Store, cache: ContentCache, key: string) {
    this.#inner = inner;
    this.#cache = cache;
    this.#key = key;
    if (canUntag(inner)) this.untag = (tag, options) => inner.untag(tag, options);
    if (canDelete(inner)) this.delete = (target, options) => inner.delete(target, options);
    if (canMount(inner)) this.mount = (target, from, options) => inner.mount(target, from, options);
    if (canListReferrers(inner)) this.referrers = (subject, options) => inner.referrers(subject, options);
    if (canPushIfAbsent(inner)) {
      const p = inner;
      this.pushIfAbsent = (expected, open, options) => p.pushIfAbsent(expected, open, options);
    }
    if (canPushReference(inner)) {
      const p = inner;
      this.pushReference = async (expected, content, reference, options) => {
        await p.pushReference(expected, content, reference, options);
        if (content instanceof Uint8Array) await this.#keep(expected, content);
        await this.#cache.putRef(this.#refKey(reference), expected);
      };
    }
  }

  #cacheable(target: Descriptor): boolean {
    return isManifestType(target.mediaType)
      ? target.size <= MAX_MANIFEST_SIZE
      : target.size <= this.#cache.maxBlobSize;
  }

  #refKey(tag: string): string {
    return `${this.#key}:${tag}`;
  }

  async #keep(target: Descriptor, bytes: Uint8Array): Promise<void> {
    if (this.#cacheable(target) && bytes.byteLength === target.size)
      await this.#cache.put(target.digest, bytes);
  }

  /** Bytes of `target`: from the cache, else from the store below (then cached). */
  async #bytes(target: Descriptor, options: OperationOptions): Promise<Uint8Array> {
    const cached = await this.#cache.get(target.digest);
    if (cached && cached.byteLength === target.size) return cached;
    const bytes = await readAll(await this.#inner.fetch(target, options), target.size, options.signal);
    verifyBytes(bytes, target, `content ${target.digest}`);
    await this.#cache.put(target.digest, bytes);
    return bytes;
  }

  async fetch(target: Descriptor, options: OperationOptions = {}): Promise<Readable> {
    options.signal?.throwIfAborted();
    if (!this.#cacheable(target)) return this.#inner.fetch(target, options);
    return Readable.from([await this.#bytes(target, options)]);
  }

  exists(target: Descriptor, options?: OperationOptions): Promise<boolean> {
    return this.#inner.exists(target, options);
  }

  async push(expected: Descriptor, content: Content, options?: OperationOptions): Promise<void> {
    await this.#inner.push(expected, content, options);
    if (content instanceof Uint8Array) await this.#keep(expected, content);
  }

  async resolve(reference: string, options?: OperationOptions): Promise<Descriptor> {
    const d = await this.#inner.resolve(reference, options);
    if (!isValidDigest(reference)) await this.#cache.putRef(this.#refKey(reference), d);
    return d;
  }

  async tag(target: Descriptor, tag: string, options?: OperationOptions): Promise<void> {
    await this.#inner.tag(target, tag, options);
    await this.#cache.putRef(this.#refKey(tag), target);
  }

  tags(options?: TagListOptions): AsyncIterable<readonly string[]> {
    return this.#inner.tags(options);
  }

  /**
   * A manifest by digest comes from the cache. By tag: where this cache saw the tag before and holds
   * what it named, HEAD (the registry says where the tag points now) and the cached bytes, or a GET
   * by digest when the tag has moved; otherwise one GET by tag, whose answer is cached.
   */
  async fetchReference(reference: string, options: OperationOptions = {}): Promise<FetchedReference> {
    options.signal?.throwIfAborted();
    if (isValidDigest(reference)) {
      // Content by digest never changes: a cached manifest that names its own media type is the answer.
      const cached = await this.#cache.get(reference);
      const mediaType = cached && declaredMediaType(cached);
      if (cached && mediaType) {
        return {
          descriptor: { mediaType, digest: reference, size: cached.byteLength },
          content: Readable.from([cached]),
        };
      }
    }
    let descriptor: Descriptor;
    if (isValidDigest(reference) || (await this.#hinted(reference))) {
      descriptor = await this.resolve(reference, options);
    } else if (canFetchReference(this.#inner)) {
      const got = await this.#inner.fetchReference(reference, options);
      const bytes = await readAll(got.content, MAX_MANIFEST_SIZE, options.signal);
      descriptor = { ...got.descriptor, size: bytes.byteLength };
      verifyBytes(bytes, descriptor, `manifest ${reference}`);
      await this.#keep(descriptor, bytes);
      await this.#cache.putRef(this.#refKey(reference), descriptor);
      return { descriptor, content: Readable.from([bytes]) };
    } else {
      descriptor = await this.resolve(reference, options);
    }
    if (descriptor.size > MAX_MANIFEST_SIZE)
      return { descriptor, content: await this.fetch(descriptor, options) };
    return { descriptor, content: Readable.from([await this.#bytes(descriptor, options)]) };
  }

  /** Whether the cache saw `tag` and still holds what it named. */
  async #hinted(tag: string): Promise<boolean> {
    const hint = await this.#cache.getRef(this.#refKey(tag));
    return hint !== undefined && (await this.#cache.has(hint.digest));
  }
}

/** The `mediaType` a manifest or index names itself, when it does and it is one. */
function declaredMediaType(bytes: Uint8Array): string | undefined {
  try {
    const doc = JSON.parse(Buffer.from(bytes).toString('utf8')) as { mediaType?: unknown };
    return typeof doc.mediaType === 'string' && isManifestType(doc.mediaType) ? doc.mediaType : undefined;
  } catch {
    return undefined;
  }
}

/** A `StoreProvider` whose repositories are `CachingStore`s over those of `inner`. */
export class CachingProvider<S extends Store> implements StoreProvider<CachingStore> {
  readonly #inner: StoreProvider<S>;
  readonly #cache: ContentCache;
  readonly #namespace: string;

  /** `namespace` tells registries apart in tag hints: the host, e.g. `ghcr.io`. */
  constructor(inner: StoreProvider<S>, cache: ContentCache, namespace: string) {
    this.#inner = inner;
    this.#cache = cache;
    this.#namespace = namespace;
  }

  repository(name: string): CachingStore {
    return new CachingStore(this.#inner.repository(name), this.#cache, `${this.#namespace}/${name}`);
  }

  repositories(options?: OperationOptions): AsyncIterable<string> {
    return this.#inner.repositories(options);
  }
}
