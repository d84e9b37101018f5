import { Readable } from 'node:stream';
import type { Descriptor } from '../descriptor.js';
import { verifyBytes } from '../digest.js';
import { MAX_MANIFEST_SIZE } from '../manifest.js';
import { canFetchReference } from './guards.js';
import { readAll } from './read.js';
import type {
  Content,
  FetchedReference,
  OperationOptions,
  ReferenceFetcher,
  Store,
  StoreProvider,
  TagListOptions,
} from './storage.js';

export interface MemoOptions {
  /** Content up to this size is remembered. Default 1 MiB. */
  readonly maxItemSize?: number;
  /** Total bytes remembered; past it, content is passed through. Default 64 MiB. */
  readonly maxBytes?: number;
}

/**
 * A read-through memory of content by digest for the length of one operation, such as a recursive
 * transfer that reads each descriptor to find the references and then copies the same content:
 * what was read once is not asked for again. Content-addressed, so it never goes stale; every byte
 * is verified before it is remembered. Tags, listings and existence always go to the store below.
 * The stores it hands out are for reading: writes pass through unremembered.
 */
export class MemoProvider implements StoreProvider {
  readonly #inner: StoreProvider;
  readonly #memo = new Map<string, Uint8Array>();
  readonly #maxItemSize: number;
  readonly #maxBytes: number;
  #bytes = 0;

  constructor(inner: StoreProvider, options: MemoOptions = {}) {
    this.#inner = inner;
    this.#maxItemSize = options.maxItemSize ?? 1024 * 1024;
    this.#maxBytes = options.maxBytes ?? 64 * 1024 * 1024;
  }

  repository(name: string): Store & ReferenceFetcher {
    return new MemoStore(this.#inner.repository(name), this);
  }

  repositories(options?: OperationOptions): AsyncIterable<string> {
    return this.#inner.repositories(options);
  }

  /** @internal */
  recall(digest: string): Uint8Array | undefined {
    return this.#memo.get(digest);
  }

  /** @internal Whether content of this size would be remembered. */
  takes(size: number): boolean {
    return size <= this.#maxItemSize && this.#bytes + size <= this.#maxBytes;
  }

  /** @internal `bytes` verified against `digest` by the caller. */
  remember(digest: string, bytes: Uint8Array): void {
    if (this.#memo.has(digest) || !this.takes(bytes.byteLength)) return;
    this.#memo.set(digest, bytes);
    this.#bytes += bytes.byteLength;
  }
}

class MemoStore implements Store, ReferenceFetcher {
  readonly #inner: Store;
  readonly #memo: MemoProvider;

  constructor(inner: Store, memo: MemoProvider) {
    this.#inner = inner;
    this.#memo = memo;
  }

  async fetch(target: Descriptor, options: OperationOptions = {}): Promise<Readable> {
    const known = this.#memo.recall(target.digest);
    if (known && known.byteLength === target.size) return Readable.from([known]);
    if (!this.#memo.takes(target.size)) return this.#inner.fetch(target, options);
    const bytes = await readAll(await this.#inner.fetch(target, options), target.size, options.signal);
    verifyBytes(bytes, target, `content ${target.digest}`);
    this.#memo.remember(target.digest, bytes);
    return Readable.from([bytes]);
  }

  async fetchReference(reference: string, options: OperationOptions = {}): Promise<FetchedReference> {
    if (!canFetchReference(this.#inner)) {
      const descriptor = await this.#inner.resolve(reference, options);
      return { descriptor, content: await this.fetch(descriptor, options) };
    }
    const got = await this.#inner.fetchReference(reference, options);
    const bytes = await readAll(got.content, MAX_MANIFEST_SIZE, options.signal);
    const descriptor = { ...got.descriptor, size: bytes.byteLength };
    verifyBytes(bytes, descriptor, `manifest ${reference}`);
    this.#memo.remember(descriptor.digest, bytes);
    return { descriptor, content: Readable.from([bytes]) };
  }

  exists(target: Descriptor, options?: OperationOptions): Promise<boolean> {
    return this.#inner.exists(target, options);
  }

  push(expected: Descriptor, content: Content, options?: OperationOptions): Promise<void> {
    return this.#inner.push(expected, content, options);
  }

  resolve(reference: string, options?: OperationOptions): Promise<Descriptor> {
    return this.#inner.resolve(reference, options);
  }

  tag(target: Descriptor, tag: string, options?: OperationOptions): Promise<void> {
    return this.#inner.tag(target, tag, options);
  }

  tags(options?: TagListOptions): AsyncIterable<readonly string[]> {
    return this.#inner.tags(options);
  }
}
