import type { Readable } from 'node:stream';
import type { Descriptor } from '../descriptor.js';

/**
 * Capability interfaces of an OCI content store scoped to one repository, after oras-go's
 * `content` package: one capability, one interface; roles are compositions. The CTF store and the
 * registry store implement the same roles, so everything above them is written once.
 *
 * Every call accepts an AbortSignal. Errors are the classes of `oci/errors.ts`: a missing
 * blob, manifest or tag is a `NotFoundError`, content that does not match its descriptor is a
 * `DigestMismatchError` or `SizeMismatchError`.
 */
export interface OperationOptions {
  readonly signal?: AbortSignal;
}

/** Only the signal of wider options: what to pass on to a call that takes nothing else of them. */
export function signalOnly(options: OperationOptions): OperationOptions {
  return options.signal === undefined ? {} : { signal: options.signal };
}

/** Bytes to push: a stream (consumed exactly once) or a buffer. */
export type Content = Readable | Uint8Array;

export interface Fetcher {
  /**
   * Opens the content `target` names. The returned stream is verified while it is read: it ends
   * cleanly only if size and digest match, and errors otherwise, so a consumer must treat the bytes
   * as untrusted until the stream ends. The caller reads it to the end or destroys it.
   */
  fetch(target: Descriptor, options?: OperationOptions): Promise<Readable>;
}

export interface Exister {
  /** Whether content with this digest is present (manifests and blobs alike). */
  exists(target: Descriptor, options?: OperationOptions): Promise<boolean>;
}

export interface Pusher {
  /**
   * Stores `content` under `expected`. Nothing becomes visible unless the bytes match the
   * descriptor's size and digest. Pushing a manifest or index makes it resolvable by digest, and
   * fails with `NotFoundError` when content it refers to is not present.
   */
  push(expected: Descriptor, content: Content, options?: OperationOptions): Promise<void>;
}

export interface Resolver {
  /** Resolves a tag or digest of this repository to the descriptor of a manifest or index. */
  resolve(reference: string, options?: OperationOptions): Promise<Descriptor>;
}

export interface Tagger {
  /** Points `tag` at the manifest `target` names (which must be present), moving it if it exists. */
  tag(target: Descriptor, tag: string, options?: OperationOptions): Promise<void>;
}

export interface Untagger {
  /** Removes `tag` and nothing else: the manifest and its other tags stay. */
  untag(tag: string, options?: OperationOptions): Promise<void>;
}

export interface TagListOptions extends OperationOptions {
  /** Start after this tag (lexical order). */
  readonly last?: string;
  /** A hint for the page size; stores may return pages of any size. */
  readonly pageSize?: number;
}

export interface TagLister {
  /** Pages of tags. Untagged manifests are never listed. */
  tags(options?: TagListOptions): AsyncIterable<readonly string[]>;
}

export interface DeleteOptions extends OperationOptions {
  /**
   * The caller wrote this manifest and nothing else names it: a store whose repositories share
   * content (a CTF) may drop its bytes now, when no entry of any repository holds it any more,
   * instead of leaving them to garbage collection. Default false.
   */
  readonly unshared?: boolean;
}

export interface Deleter {
  /** Deletes content by digest. Deleting a manifest removes every tag on it. */
  delete(target: Descriptor, options?: DeleteOptions): Promise<void>;
}

export interface FetchedReference {
  readonly descriptor: Descriptor;
  readonly content: Readable;
}

export interface ReferenceFetcher {
  /** Resolves and opens a manifest in one step (one request on a registry instead of two). */
  fetchReference(reference: string, options?: OperationOptions): Promise<FetchedReference>;
}

export interface Mounter {
  /** Makes a blob of repository `from` (same store) available here without copying its bytes. */
  mount(target: Descriptor, from: string, options?: OperationOptions): Promise<void>;
}

export interface ConditionalPusher {
  /**
   * Pushes `expected` unless the store holds it, calling `open` only when the bytes must be sent.
   * Resolves true when it pushed. A registry answers both in one request where it can (a mount).
   */
  pushIfAbsent(
    expected: Descriptor,
    open: () => Promise<Content>,
    options?: OperationOptions,
  ): Promise<boolean>;
}

export interface PushReferenceOptions extends OperationOptions {
  /**
   * The caller knows that everything the manifest names is present (and handles the refusal when it
   * is not): a store that checks before pushing skips the check. Default false.
   */
  readonly referencesPresent?: boolean;
}

export interface ReferencePusher {
  /** Pushes a manifest and points `reference` (a tag) at it in one step: one request on a registry. */
  pushReference(
    expected: Descriptor,
    content: Content,
    reference: string,
    options?: PushReferenceOptions,
  ): Promise<void>;
}

export interface ReferrerLister {
  /** Pages of manifests whose `subject` is `subject`, optionally filtered by artifact type. */
  referrers(
    subject: Descriptor,
    options?: OperationOptions & { readonly artifactType?: string },
  ): AsyncIterable<readonly Descriptor[]>;
}

export interface WatchOptions extends OperationOptions {
  /** How often to look for changes when change notification is unavailable, in ms. Default 30 s. */
  readonly pollInterval?: number;
}

export interface Watcher {
  /**
   * Yields whenever the tags of this repository may have changed (at least once after each change;
   * spurious wake-ups are allowed, so callers re-read what they watch). Ends when the signal aborts.
   */
  watch(options?: WatchOptions): AsyncIterable<void>;
}

export type ReadOnlyStorage = Fetcher & Exister;
export type Storage = ReadOnlyStorage & Pusher;
export type ReadOnlyTarget = ReadOnlyStorage & Resolver;
export type Target = Storage & Resolver & Tagger;
/** What the OCM repository layer needs of a backend, per OCI repository. */
export type Store = Target & TagLister;

/** A set of repositories: a CTF archive, a registry, a memory store. */
export interface StoreProvider<S extends Store = Store> {
  /** The store for one repository; no I/O happens until it is used. */
  repository(name: string): S;
  /** Names of repositories that hold at least one manifest. */
  repositories(options?: OperationOptions): AsyncIterable<string>;
}

/**
 * A provider that can run several operations as one atomic unit (a CTF under its lock, committed
 * once). Operations on stores obtained from the provider passed to `fn` belong to the unit.
 */
export interface Batcher<S extends Store = Store> {
  batch<T>(fn: (store: StoreProvider<S>) => Promise<T>, options?: OperationOptions): Promise<T>;
}
