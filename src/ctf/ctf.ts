import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { NotFoundError } from '../errors.js';
import { type Descriptor, isPlainObject } from '../oci/descriptor.js';
import { type ImageIndex, type ImageManifest, MAX_MANIFEST_SIZE } from '../oci/manifest.js';
import { isManifestType } from '../oci/mediatype.js';
import { type CtfFormat, confirmFormat, extractArchive, formatFromPath, writeArchive } from './archive.js';
import { ArtifactIndex, type IndexEntry } from './artifact-index.js';
import { ensureDirectory } from './atomic.js';
import { type BlobContent, DirectoryLayout } from './directory.js';
import { InvalidArchiveError, ReadOnlyError } from './errors.js';
import { acquireLock } from './lock.js';

export interface OpenCtfOptions {
  /** `readonly` refuses every write. Default `readwrite`. */
  readonly mode?: 'readonly' | 'readwrite';
  /** Create an empty CTF when nothing is at the path. Default false. */
  readonly create?: boolean;
  /** Override the form the extension implies. */
  readonly format?: CtfFormat;
  /** How long a writer waits for another process's lock. Default 60 s. */
  readonly lockTimeoutMs?: number;
  readonly signal?: AbortSignal;
}

/** A consistent view for reading: the index and the blobs it names, as of one moment. */
export interface CtfView {
  readonly index: ArtifactIndex;
  /** A stream verified against `expected`; `NotFoundError` when the blob is absent. */
  openBlob(expected: Descriptor): Promise<Readable>;
  /** Reads a small blob whole and verifies its digest; `TooLargeError` above `maxSize`. */
  readBlob(digest: string, maxSize: number): Promise<Uint8Array>;
  /** Size of a blob, or undefined when it is absent (index entries carry no size). */
  blobSize(digest: string): Promise<number | undefined>;
  hasBlob(digest: string): Promise<boolean>;
}

/**
 * A write transaction, run under the CTF's cross-process lock on a fresh copy of the index. Blobs
 * put here are durable before the index that names them; the index is committed (and an archive
 * rebuilt) once, when the transaction's function returns.
 */
export interface CtfTransaction extends CtfView {
  putBlob(expected: Descriptor, content: BlobContent, signal?: AbortSignal): Promise<void>;
  /** Deletes a blob once the new index is committed. */
  removeBlob(digest: string): void;
}

export interface GcOptions {
  readonly dryRun?: boolean;
  /** Blobs and temporary files younger than this are kept: a concurrent push may be about to name them. Default 10 min. */
  readonly graceMs?: number;
  readonly signal?: AbortSignal;
}

export interface GcReport {
  /** Untagged index entries that nothing tagged reaches. */
  readonly entries: readonly IndexEntry[];
  /** Blobs that no remaining entry reaches. */
  readonly blobs: readonly { readonly digest: string; readonly size: number }[];
  readonly bytes: number;
  readonly tempFiles: number;
}

/**
 * A Common Transport Format archive: a directory, `.tar` or `.tgz` (docs/formats.md, CTF).
 *
 * Writers (in any process) are serialised by a lock file beside the archive. A directory CTF is
 * written in place: blobs first, then the index by atomic rename. A tar or tgz CTF is extracted to
 * a private working directory and, on each committed transaction, rebuilt into a temporary file
 * that replaces the archive by rename, so a reader or a `kill -9` never meets a half-written archive.
 */
export class Ctf {
  readonly path: string;
  readonly format: CtfFormat;
  readonly readOnly: boolean;
  readonly #lockTimeoutMs: number | undefined;
  /** The layout of a directory CTF, or the working copy of an archive. */
  #layout: DirectoryLayout | undefined;
  /** Identity of the archive file the working copy was extracted from. */
  #extractedFrom: string | undefined;
  #refreshing: Promise<DirectoryLayout> | undefined;
  #closed = false;

  private constructor(path: string, format: CtfFormat, readOnly: boolean, lockTimeoutMs: number | undefined) {
    this.path = path;
    this.format = format;
    this.readOnly = readOnly;
    this.#lockTimeoutMs = lockTimeoutMs;
    if (format === 'directory') this.#layout = new DirectoryLayout(path);
  }

  static async open(path: string, options: OpenCtfOptions = {}): Promise<Ctf> {
    const absolute = resolve(path);
    const format = options.format ?? formatFromPath(absolute);
    const readOnly = options.mode === 'readonly';
    const ctf = new Ctf(absolute, format, readOnly, options.lockTimeoutMs);
    if (!(await confirmFormat(absolute, format))) {
      if (!options.create || readOnly) {
        throw new NotFoundError(`no CTF at ${absolute}`, {
          hint: 'check the path, or create the archive first',
        });
      }
      await ctf.#create(options.signal);
    }
    return ctf;
  }

  get lockPath(): string {
    return `${this.path}.lock`;
  }

  /** A consistent read view. Cheap for directories; an archive is extracted on first use and when it changed. */
  async view(signal?: AbortSignal): Promise<CtfView> {
    this.#assertOpen();
    const layout = await this.#currentLayout(signal);
    const index = await layout.readIndex();
    return { index, ...blobReader(layout) };
  }

  /** Runs `fn` as one write transaction (see `CtfTransaction`). */
  async update<T>(fn: (tx: CtfTransaction) => Promise<T>, signal?: AbortSignal): Promise<T> {
    this.#assertOpen();
    if (this.readOnly) throw new ReadOnlyError(this.path);
    const lock = await acquireLock(this.lockPath, { timeoutMs: this.#lockTimeoutMs, signal });
    try {
      const layout = await this.#currentLayout(signal);
      const index = await layout.readIndex();
      const revision = index.revision;
      const added: string[] = [];
      const removed = new Set<string>();
      const tx: CtfTransaction = {
        index,
        ...blobReader(layout),
        // Not fsynced one by one: a directory syncs them together, with its index, at the commit; an
        // archive's working copy is private, and the rebuilt archive is what is synced.
        putBlob: async (expected, content, s) => {
          if (await layout.writeBlob(expected, content, s, { sync: false })) added.push(expected.digest);
          removed.delete(expected.digest);
        },
        removeBlob: (digest) => {
          removed.add(digest);
        },
      };
      let result: T;
      try {
        result = await fn(tx);
        const indexChanged = index.revision !== revision;
        if (this.format === 'directory') {
          await commitDirectory(layout, added, indexChanged ? index : undefined);
        } else if (indexChanged || added.length > 0 || removed.size > 0) {
          const afterBytes = index.serialize();
          for (const digest of removed) await layout.removeBlob(digest);
          await writeArchive(layout.root, afterBytes, this.format, this.path, signal);
          // The working copy's index changes only after the archive holds it.
          await layout.writeIndex(afterBytes, index);
          this.#extractedFrom = await fileIdentity(this.path);
        }
      } catch (err) {
        // In an archive's working copy, blobs of a failed transaction would leak into the next
        // rebuild; in a directory they are harmless orphans for gc, and may be shared by a
        // concurrent lock-free push, so they stay.
        if (this.format !== 'directory') for (const digest of added) await layout.removeBlob(digest);
        throw err;
      }
      if (this.format === 'directory') for (const digest of removed) await layout.removeBlob(digest);
      return result;
    } finally {
      await lock.release();
    }
  }

  /**
   * Stores a blob. In a directory CTF this takes no lock (blobs are content-addressed and appear
   * by atomic rename); an archive needs a transaction, so batch blobs in `update` there.
   */
  async putBlob(expected: Descriptor, content: BlobContent, signal?: AbortSignal): Promise<void> {
    this.#assertOpen();
    if (this.readOnly) throw new ReadOnlyError(this.path);
    if (this.format === 'directory') {
      await this.#layout!.writeBlob(expected, content, signal);
      return;
    }
    await this.update((tx) => tx.putBlob(expected, content, signal), signal);
  }

  /**
   * Garbage collection: drops untagged index entries that no tagged entry reaches, then deletes
   * blobs that no remaining entry reaches, and temporary files of dead writers.
   */
  async gc(options: GcOptions = {}): Promise<GcReport> {
    const graceMs = options.graceMs ?? 10 * 60 * 1000;
    const run = async (tx: CtfView, layout: DirectoryLayout, remove: ((d: string) => void) | undefined) => {
      const index = tx.index;
      // An untagged entry is residue unless a tagged entry of its own repository reaches it (the
      // nested manifests of an index-form component version are recorded untagged beside it).
      const dropEntries = new Set<IndexEntry>();
      for (const repository of index.repositories()) {
        const entries = index.entries.filter((e) => e.repository === repository);
        const reachable = await reachableDigests(
          tx,
          entries.filter((e) => e.tag !== undefined),
        );
        for (const e of entries) if (e.tag === undefined && !reachable.has(e.digest)) dropEntries.add(e);
      }
      const keep = index.entries.filter((e) => !dropEntries.has(e));
      const live = await reachableDigests(tx, keep);
      const now = Date.now();
      const blobs = (await layout.listBlobs()).filter(
        (b) => !live.has(b.digest) && now - b.mtimeMs >= graceMs,
      );
      const temps = await layout.staleTempFiles(graceMs);
      if (remove) {
        index.removeEntries(dropEntries);
        for (const b of blobs) remove(b.digest);
        for (const t of temps) await rm(t, { force: true });
      }
      return {
        entries: [...dropEntries],
        blobs: blobs.map((b) => ({ digest: b.digest, size: b.size })),
        bytes: blobs.reduce((n, b) => n + b.size, 0),
        tempFiles: temps.length,
      };
    };
    if (options.dryRun || this.readOnly) {
      const view = await this.view(options.signal);
      return run(view, await this.#currentLayout(options.signal), undefined);
    }
    return this.update(
      async (tx) => run(tx, await this.#currentLayout(options.signal), (d) => tx.removeBlob(d)),
      options.signal,
    );
  }

  /** Releases the working copy of an archive. The Ctf cannot be used afterwards. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.format !== 'directory' && this.#layout)
      await rm(this.#layout.root, { recursive: true, force: true });
    this.#layout = undefined;
  }

  async #create(signal?: AbortSignal): Promise<void> {
    const lock = await acquireLock(this.lockPath, { timeoutMs: this.#lockTimeoutMs, signal });
    try {
      if (await confirmFormat(this.path, this.format)) return; // created meanwhile by another process
      const empty = new ArtifactIndex().serialize();
      if (this.format === 'directory') {
        const layout = new DirectoryLayout(this.path);
        await layout.ensure();
        await layout.writeIndex(empty);
        return;
      }
      const scratch = await mkdtemp(join(tmpdir(), 'ocm-ctf-'));
      try {
        await ensureDirectory(join(scratch, 'blobs'));
        await writeArchive(scratch, empty, this.format, this.path, signal);
      } finally {
        await rm(scratch, { recursive: true, force: true });
      }
    } finally {
      await lock.release();
    }
  }

  /** The layout to work on; for an archive, a working copy that matches the file on disk now. */
  async #currentLayout(signal?: AbortSignal): Promise<DirectoryLayout> {
    if (this.format === 'directory') return this.#layout!;
    while (this.#refreshing) await this.#refreshing.catch(() => {});
    const identity = await fileIdentity(this.path);
    if (identity === undefined) throw new NotFoundError(`no CTF at ${this.path}`);
    if (this.#layout && identity === this.#extractedFrom) return this.#layout;
    this.#refreshing = (async () => {
      const dir = await mkdtemp(join(tmpdir(), 'ocm-ctf-'));
      try {
        await extractArchive(this.path, this.format as 'tar' | 'tgz', dir, signal);
      } catch (err) {
        await rm(dir, { recursive: true, force: true });
        throw err;
      }
      const old = this.#layout;
      this.#layout = new DirectoryLayout(dir);
      this.#extractedFrom = identity;
      // Open blob streams keep their file descriptors; removing the old copy does not cut them.
      if (old) await rm(old.root, { recursive: true, force: true });
      return this.#layout;
    })();
    try {
      return await this.#refreshing;
    } finally {
      this.#refreshing = undefined;
    }
  }

  #assertOpen(): void {
    if (this.#closed) throw new InvalidArchiveError(this.path, 'is closed');
  }
}

/**
 * Commits a directory transaction: its blobs and the new index are synced together (one round of
 * fsyncs instead of two per blob and two for the index), then the index is renamed into place, so
 * it never names a blob that is not durable.
 */
async function commitDirectory(
  layout: DirectoryLayout,
  blobs: readonly string[],
  index: ArtifactIndex | undefined,
): Promise<void> {
  const [synced, prepared] = await Promise.allSettled([
    layout.syncBlobs(blobs),
    index === undefined ? Promise.resolve(undefined) : layout.prepareIndex(index.serialize()),
  ]);
  if (synced.status === 'rejected' || prepared.status === 'rejected') {
    if (prepared.status === 'fulfilled' && prepared.value !== undefined)
      await rm(prepared.value, { force: true });
    throw synced.status === 'rejected' ? synced.reason : (prepared as PromiseRejectedResult).reason;
  }
  if (index !== undefined && prepared.value !== undefined) await layout.commitIndex(prepared.value, index);
}

function blobReader(layout: DirectoryLayout): Omit<CtfView, 'index'> {
  return {
    openBlob: (expected) => layout.openBlob(expected),
    readBlob: (digest, maxSize) => layout.readBlob(digest, maxSize),
    blobSize: (digest) => layout.blobSize(digest),
    hasBlob: async (digest) => (await layout.blobSize(digest)) !== undefined,
  };
}

async function fileIdentity(path: string): Promise<string | undefined> {
  try {
    const s = await stat(path, { bigint: true });
    return `${s.dev}:${s.ino}:${s.size}:${s.mtimeNs}`;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/**
 * Every digest reachable from the given entries: the manifests themselves and, recursively, what
 * they reference. A manifest blob that is missing or unreadable contributes only its own digest.
 */
async function reachableDigests(view: CtfView, entries: readonly IndexEntry[]): Promise<Set<string>> {
  const seen = new Set<string>();
  const queue: Descriptor[] = entries.map((e) => ({ mediaType: e.mediaType, digest: e.digest, size: -1 }));
  while (queue.length > 0) {
    const d = queue.pop()!;
    if (seen.has(d.digest)) continue;
    seen.add(d.digest);
    if (!isManifestType(d.mediaType)) continue;
    const doc = await readManifestLoosely(view, d.digest);
    if (!doc) continue;
    const refs: unknown[] = Array.isArray(doc.manifests)
      ? doc.manifests
      : [doc.config, ...(Array.isArray(doc.layers) ? doc.layers : [])];
    for (const r of refs) {
      if (isPlainObject(r) && typeof r.digest === 'string' && typeof r.mediaType === 'string') {
        queue.push({ mediaType: r.mediaType, digest: r.digest, size: -1 });
      }
    }
  }
  return seen;
}

async function readManifestLoosely(
  view: CtfView,
  digest: string,
): Promise<Partial<ImageManifest & ImageIndex> | undefined> {
  try {
    const doc: unknown = JSON.parse(
      Buffer.from(await view.readBlob(digest, MAX_MANIFEST_SIZE)).toString('utf8'),
    );
    return isPlainObject(doc) ? (doc as Partial<ImageManifest & ImageIndex>) : undefined;
  } catch {
    return undefined;
  }
}
