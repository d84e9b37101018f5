import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { NotFoundError, UnsupportedError } from '../errors.js';
import { readAll } from '../oci/content/read.js';
import type {
  Content,
  DeleteOptions,
  Deleter,
  FetchedReference,
  OperationOptions,
  Store,
  StoreProvider,
  TagListOptions,
  Untagger,
  Watcher,
  WatchOptions,
} from '../oci/content/storage.js';
import type { Descriptor } from '../oci/descriptor.js';
import { isValidDigest, verifyBytes } from '../oci/digest.js';
import { InvalidManifestError } from '../oci/errors.js';
import { MAX_MANIFEST_SIZE, parseManifest, referencedDescriptors } from '../oci/manifest.js';
import { isManifestType } from '../oci/mediatype.js';
import { parseReference, validateRepository, validateTag } from '../oci/reference.js';
import { INDEX_FILE } from './artifact-index.js';
import {
  Ctf,
  type CtfTransaction,
  type CtfView,
  type GcOptions,
  type GcReport,
  type OpenCtfOptions,
} from './ctf.js';
import { watchFile } from './watch.js';

/**
 * The CTF as a store provider: one `Store` per repository of the archive, all sharing the flat
 * blob folder (docs/formats.md, CTF). Each write is its own transaction unless it runs inside `batch`, which
 * commits once: use it for archives, where every commit rebuilds the tar.
 */
export class CtfStore implements StoreProvider<CtfRepository> {
  readonly ctf: Ctf;

  constructor(ctf: Ctf) {
    this.ctf = ctf;
  }

  static async open(path: string, options?: OpenCtfOptions): Promise<CtfStore> {
    return new CtfStore(await Ctf.open(path, options));
  }

  repository(name: string): CtfRepository {
    return new CtfRepository(this.ctf, validateRepository(name), undefined);
  }

  async *repositories(options?: OperationOptions): AsyncIterable<string> {
    const view = await this.ctf.view(options?.signal);
    yield* view.index.repositories();
  }

  /** Runs `fn` in one write transaction; stores obtained from the provider it gets write into it. */
  batch<T>(fn: (store: StoreProvider<CtfRepository>) => Promise<T>, options?: OperationOptions): Promise<T> {
    return this.ctf.update((tx) => {
      const bound: StoreProvider<CtfRepository> = {
        repository: (name) => new CtfRepository(this.ctf, validateRepository(name), tx),
        repositories: async function* () {
          yield* tx.index.repositories();
        },
      };
      return fn(bound);
    }, options?.signal);
  }

  /** Resolves `repository:tag`, `repository@digest` or `repository:tag@digest` across the archive. */
  async resolve(reference: string, options?: OperationOptions): Promise<Descriptor> {
    const ref = parseReference(reference);
    const repo = this.repository(ref.repository);
    const byTag = ref.tag === undefined ? undefined : await repo.resolve(ref.tag, options);
    if (ref.digest === undefined) return byTag!;
    if (byTag && byTag.digest !== ref.digest) {
      throw new NotFoundError(`${reference}: tag ${ref.tag} points at ${byTag.digest}, not ${ref.digest}`);
    }
    return byTag ?? repo.resolve(ref.digest, options);
  }

  gc(options?: GcOptions): Promise<GcReport> {
    return this.ctf.gc(options);
  }

  close(): Promise<void> {
    return this.ctf.close();
  }
}

export class CtfRepository implements Store, Untagger, Deleter, Watcher {
  readonly name: string;
  readonly #ctf: Ctf;
  readonly #tx: CtfTransaction | undefined;

  constructor(ctf: Ctf, name: string, tx: CtfTransaction | undefined) {
    this.#ctf = ctf;
    this.name = name;
    this.#tx = tx;
  }

  async fetch(target: Descriptor, options?: OperationOptions): Promise<Readable> {
    const view = await this.#view(options);
    try {
      return await view.openBlob(target);
    } catch (err) {
      if (err instanceof NotFoundError)
        throw new NotFoundError(`${this.name}: ${err.message}`, { cause: err });
      throw err;
    }
  }

  async exists(target: Descriptor, options?: OperationOptions): Promise<boolean> {
    return (await this.#view(options)).hasBlob(target.digest);
  }

  async push(expected: Descriptor, content: Content, options?: OperationOptions): Promise<void> {
    options?.signal?.throwIfAborted();
    if (!isManifestType(expected.mediaType)) {
      if (this.#tx) await this.#tx.putBlob(expected, content, options?.signal);
      else await this.#ctf.putBlob(expected, content, options?.signal);
      return;
    }
    if (expected.size > MAX_MANIFEST_SIZE)
      throw new InvalidManifestError(`manifest ${expected.digest} exceeds 4 MiB`);
    const bytes =
      content instanceof Uint8Array ? content : await readAll(content, expected.size + 1, options?.signal);
    verifyBytes(bytes, expected, `manifest ${expected.digest}`);
    const manifest = parseManifest(bytes, expected.mediaType);
    await this.#write(async (tx) => {
      for (const ref of referencedDescriptors(manifest)) {
        if (!(await tx.hasBlob(ref.digest))) {
          throw new NotFoundError(
            `${this.name}: manifest ${expected.digest} refers to missing ${ref.digest}`,
          );
        }
      }
      await tx.putBlob(expected, bytes, options?.signal);
      tx.index.addUntagged(this.name, expected.digest, expected.mediaType);
    }, options);
  }

  async resolve(reference: string, options?: OperationOptions): Promise<Descriptor> {
    options?.signal?.throwIfAborted();
    if (!isValidDigest(reference)) validateTag(reference);
    return this.#resolveIn(await this.#view(options), reference);
  }

  async fetchReference(reference: string, options?: OperationOptions): Promise<FetchedReference> {
    if (!isValidDigest(reference)) validateTag(reference);
    const view = await this.#view(options);
    const descriptor = await this.#resolveIn(view, reference);
    return { descriptor, content: await view.openBlob(descriptor) };
  }

  async tag(target: Descriptor, tag: string, options?: OperationOptions): Promise<void> {
    validateTag(tag);
    if (!isManifestType(target.mediaType)) {
      throw new InvalidManifestError(
        `${target.mediaType} is not a manifest media type; only manifests can be tagged`,
      );
    }
    await this.#write(async (tx) => {
      const known = tx.index.find(this.name, target.digest);
      if (!known && !(await tx.hasBlob(target.digest))) {
        throw new NotFoundError(`${this.name}: manifest ${target.digest} not found`);
      }
      tx.index.tag(this.name, tag, target.digest, known?.mediaType ?? target.mediaType);
    }, options);
  }

  async untag(tag: string, options?: OperationOptions): Promise<void> {
    validateTag(tag);
    await this.#write(async (tx) => {
      tx.index.untag(this.name, tag);
    }, options);
  }

  async *tags(options: TagListOptions = {}): AsyncIterable<readonly string[]> {
    const view = await this.#view(options);
    const all = view.index.tags(this.name).filter((t) => options.last === undefined || t > options.last);
    const size = Math.max(1, options.pageSize ?? 1000);
    for (let i = 0; i < all.length; i += size) yield all.slice(i, i + size);
  }

  /**
   * Deletes a manifest from this repository: its entries and tags go; its blobs stay until `gc`,
   * since other repositories of the archive may share them. Plain blobs cannot be deleted one by one.
   */
  async delete(target: Descriptor, options?: DeleteOptions): Promise<void> {
    await this.#write(async (tx) => {
      if (tx.index.remove(this.name, target.digest) > 0) {
        // Our own manifest that nothing else holds (a superseded history head): its bytes go now.
        if (options?.unshared && !tx.index.holdsDigest(target.digest)) tx.removeBlob(target.digest);
        return;
      }
      if (await tx.hasBlob(target.digest)) {
        throw new UnsupportedError(
          `${this.name}: CTF blobs are shared by every repository; run gc to remove unused ones`,
        );
      }
      throw new NotFoundError(`${this.name}: ${target.digest} not found`);
    }, options);
  }

  /**
   * Wakes up whenever the archive's index may have changed (any repository's tags): file-system
   * notification on the index of a directory CTF or on a .tar/.tgz file, polling where that fails.
   */
  watch(options: WatchOptions = {}): AsyncIterableIterator<void> {
    const ctf = this.#ctf;
    return watchFile(ctf.format === 'directory' ? join(ctf.path, INDEX_FILE) : ctf.path, options);
  }

  async #resolveIn(view: CtfView, reference: string): Promise<Descriptor> {
    const entry = view.index.find(this.name, reference);
    if (!entry) throw new NotFoundError(`${this.name}: ${reference} not found`);
    const size = await view.blobSize(entry.digest);
    if (size === undefined) {
      throw new NotFoundError(
        `${this.name}: ${reference} names manifest ${entry.digest}, whose blob is missing`,
      );
    }
    return { mediaType: entry.mediaType, digest: entry.digest, size };
  }

  async #view(options?: OperationOptions): Promise<CtfView> {
    options?.signal?.throwIfAborted();
    return this.#tx ?? this.#ctf.view(options?.signal);
  }

  #write<T>(fn: (tx: CtfTransaction) => Promise<T>, options?: OperationOptions): Promise<T> {
    options?.signal?.throwIfAborted();
    return this.#tx ? fn(this.#tx) : this.#ctf.update(fn, options?.signal);
  }
}
