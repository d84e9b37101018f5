import { Readable } from 'node:stream';
import { NotFoundError } from '../../errors.js';
import { basicDescriptor, type Descriptor } from '../descriptor.js';
import { isValidDigest, verifyBytes } from '../digest.js';
import { parseManifest, referencedDescriptors } from '../manifest.js';
import { isManifestType } from '../mediatype.js';
import { validateRepository, validateTag } from '../reference.js';
import { readAll } from './read.js';
import type {
  Content,
  Deleter,
  FetchedReference,
  OperationOptions,
  ReferenceFetcher,
  Store,
  StoreProvider,
  TagListOptions,
  Untagger,
} from './storage.js';

/** Largest blob the memory store accepts: it is meant for tests and small staging work. */
const MAX_MEMORY_BLOB = 256 * 1024 * 1024;

/**
 * An in-memory store: the reference implementation of the capability interfaces, used by tests
 * and as a staging area. Blobs are shared by all repositories; manifests and tags are per repository.
 */
export class MemoryStore implements StoreProvider<MemoryRepository> {
  readonly blobs = new Map<string, Uint8Array>();
  readonly #repositories = new Map<string, MemoryRepository>();

  repository(name: string): MemoryRepository {
    validateRepository(name);
    let repo = this.#repositories.get(name);
    if (!repo) {
      repo = new MemoryRepository(this, name);
      this.#repositories.set(name, repo);
    }
    return repo;
  }

  async *repositories(): AsyncIterable<string> {
    for (const [name, repo] of [...this.#repositories].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      if (repo.manifests.size > 0) yield name;
    }
  }
}

export class MemoryRepository implements Store, Untagger, Deleter, ReferenceFetcher {
  readonly name: string;
  /** digest -> descriptor of every manifest pushed to this repository */
  readonly manifests = new Map<string, Descriptor>();
  /** tag -> digest */
  readonly tagMap = new Map<string, string>();
  readonly #store: MemoryStore;

  constructor(store: MemoryStore, name: string) {
    this.#store = store;
    this.name = name;
  }

  async fetch(target: Descriptor, options?: OperationOptions): Promise<Readable> {
    options?.signal?.throwIfAborted();
    const bytes = this.#store.blobs.get(target.digest);
    if (!bytes) throw new NotFoundError(`${this.name}: content ${target.digest} not found`);
    verifyBytes(bytes, target, `content ${target.digest}`);
    return Readable.from([bytes]);
  }

  async exists(target: Descriptor, options?: OperationOptions): Promise<boolean> {
    options?.signal?.throwIfAborted();
    return this.#store.blobs.has(target.digest);
  }

  async push(expected: Descriptor, content: Content, options?: OperationOptions): Promise<void> {
    options?.signal?.throwIfAborted();
    const bytes =
      content instanceof Uint8Array
        ? content
        : await readAll(content, Math.min(expected.size, MAX_MEMORY_BLOB) + 1);
    verifyBytes(bytes, expected, `content ${expected.digest}`);
    if (isManifestType(expected.mediaType)) {
      const manifest = parseManifest(bytes, expected.mediaType);
      for (const ref of referencedDescriptors(manifest)) {
        if (!this.#store.blobs.has(ref.digest)) {
          throw new NotFoundError(
            `${this.name}: manifest ${expected.digest} refers to missing ${ref.digest}`,
          );
        }
      }
      this.manifests.set(expected.digest, basicDescriptor(expected));
    }
    this.#store.blobs.set(expected.digest, new Uint8Array(bytes));
  }

  async resolve(reference: string, options?: OperationOptions): Promise<Descriptor> {
    options?.signal?.throwIfAborted();
    const digest = isValidDigest(reference) ? reference : this.tagMap.get(validateTag(reference));
    const desc = digest === undefined ? undefined : this.manifests.get(digest);
    if (!desc) throw new NotFoundError(`${this.name}: ${reference} not found`);
    return desc;
  }

  async fetchReference(reference: string, options?: OperationOptions): Promise<FetchedReference> {
    const descriptor = await this.resolve(reference, options);
    return { descriptor, content: await this.fetch(descriptor, options) };
  }

  async tag(target: Descriptor, tag: string, options?: OperationOptions): Promise<void> {
    options?.signal?.throwIfAborted();
    validateTag(tag);
    if (!this.manifests.has(target.digest))
      throw new NotFoundError(`${this.name}: manifest ${target.digest} not found`);
    this.tagMap.set(tag, target.digest);
  }

  async untag(tag: string, options?: OperationOptions): Promise<void> {
    options?.signal?.throwIfAborted();
    if (!this.tagMap.delete(validateTag(tag))) throw new NotFoundError(`${this.name}: tag ${tag} not found`);
  }

  async *tags(options: TagListOptions = {}): AsyncIterable<readonly string[]> {
    const all = [...this.tagMap.keys()].sort().filter((t) => options.last === undefined || t > options.last);
    const size = options.pageSize ?? 1000;
    for (let i = 0; i < all.length; i += size) yield all.slice(i, i + size);
  }

  async delete(target: Descriptor, options?: OperationOptions): Promise<void> {
    options?.signal?.throwIfAborted();
    if (this.manifests.delete(target.digest)) {
      for (const [tag, digest] of [...this.tagMap]) if (digest === target.digest) this.tagMap.delete(tag);
      return;
    }
    if (!this.#store.blobs.delete(target.digest))
      throw new NotFoundError(`${this.name}: ${target.digest} not found`);
  }
}
