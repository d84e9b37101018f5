import { randomBytes } from 'node:crypto';
import { constants, createReadStream, createWriteStream } from 'node:fs';
import { type FileHandle, lstat, open, readdir, readFile, rm, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { NotFoundError } from '../errors.js';
import { mapLimit } from '../oci/concurrency.js';
import type { Descriptor } from '../oci/descriptor.js';
import { VerifyingStream, verifyBytes } from '../oci/digest.js';
import { TooLargeError } from '../oci/errors.js';
import { ArtifactIndex, INDEX_FILE, MAX_INDEX_SIZE } from './artifact-index.js';
import {
  commitTempFile,
  ensureDirectory,
  fsyncDirectory,
  fsyncFile,
  TEMP_PREFIX,
  writeFileAtomic,
  writeTempFile,
} from './atomic.js';
import { blobFileName, digestFromBlobFileName } from './blob-names.js';
import { InvalidArchiveError } from './errors.js';

/**
 * Bytes per read of a blob file. The default 64 KiB reads cost about twice the CPU per byte; 1 MiB
 * reads save a little more but hold about 15 MiB more in the stream buffers of a transfer.
 */
const READ_CHUNK = 256 * 1024;

/** Bytes of content to push: a stream consumed once, or a buffer. */
export type BlobContent = Readable | Uint8Array;

export interface BlobFile {
  readonly digest: string;
  readonly size: number;
  readonly mtimeMs: number;
}

/**
 * The on-disk layout of a CTF (docs/formats.md, CTF): `artifact-index.json` and a flat `blobs/` folder whose
 * files are named after their digests. Blob files are written once, verified, through a temporary
 * file in the root (never inside `blobs/`, whose every name a Go reader parses as a digest) and a
 * rename; they never change afterwards. The index is replaced atomically. Like an archive, the
 * directory holds no symbolic links (`blobs/`, a blob, the index): one is refused with
 * `InvalidArchiveError` before anything is read or written through it, so nothing lands outside.
 */
export class DirectoryLayout {
  readonly root: string;
  #cached: { key: string; index: ArtifactIndex } | undefined;

  constructor(root: string) {
    this.root = root;
  }

  get indexPath(): string {
    return join(this.root, INDEX_FILE);
  }

  blobPath(digest: string): string {
    return join(this.root, 'blobs', blobFileName(digest));
  }

  async ensure(): Promise<void> {
    await ensureDirectory(join(this.root, 'blobs'));
    await this.#refuseLink(join(this.root, 'blobs'), 'blobs');
  }

  /** `InvalidArchiveError` when `path` (inside the CTF) is a symbolic link. */
  async #refuseLink(path: string, name: string): Promise<void> {
    try {
      if (!(await lstat(path)).isSymbolicLink()) return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw err;
    }
    throw linkError(this.root, name);
  }

  /**
   * Reads the index; a missing or empty file is an empty index. Parsed indexes are cached by the
   * file's identity (inode, size, mtime): every write replaces the file, so the identity changes.
   */
  async readIndex(): Promise<ArtifactIndex> {
    let key: string;
    await this.#refuseLink(join(this.root, 'blobs'), 'blobs');
    try {
      const s = await lstat(this.indexPath, { bigint: true });
      if (s.isSymbolicLink()) throw linkError(this.root, INDEX_FILE);
      key = `${s.dev}:${s.ino}:${s.size}:${s.mtimeNs}`;
      if (s.size > BigInt(MAX_INDEX_SIZE)) {
        // Let the parser raise the typed error without reading the whole file.
        return ArtifactIndex.parse(new Uint8Array(MAX_INDEX_SIZE + 1));
      }
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return new ArtifactIndex();
      throw err;
    }
    if (this.#cached?.key === key) return this.#cached.index.clone();
    const index = ArtifactIndex.parse(await readFile(this.indexPath));
    this.#cached = { key, index: index.clone() };
    return index;
  }

  /** Replaces the index atomically; `index` (what `bytes` encode) becomes the cached parse. */
  async writeIndex(bytes: Uint8Array, index?: ArtifactIndex): Promise<void> {
    await writeFileAtomic(this.indexPath, bytes);
    if (index) await this.#cacheIndex(index);
  }

  /** The new index in a fsynced temporary file (`commitIndex` puts it in place). */
  prepareIndex(bytes: Uint8Array): Promise<string> {
    return writeTempFile(this.indexPath, bytes);
  }

  /** Renames a prepared index into place (durably); `index` becomes the cached parse. */
  async commitIndex(tmp: string, index: ArtifactIndex): Promise<void> {
    await commitTempFile(tmp, this.indexPath);
    await this.#cacheIndex(index);
  }

  /**
   * Makes blobs written with `sync: false` durable: their files at once, then the `blobs/` folder
   * once. Call before the index that names them is put in place.
   */
  async syncBlobs(digests: readonly string[]): Promise<void> {
    if (digests.length === 0) return;
    await Promise.all([
      mapLimit(digests, 16, (digest) => fsyncFile(this.blobPath(digest))),
      fsyncDirectory(join(this.root, 'blobs')),
    ]);
  }

  async #cacheIndex(index: ArtifactIndex): Promise<void> {
    const s = await stat(this.indexPath, { bigint: true });
    this.#cached = { key: `${s.dev}:${s.ino}:${s.size}:${s.mtimeNs}`, index: index.clone() };
  }

  async hasBlob(digest: string): Promise<boolean> {
    return (await this.blobSize(digest)) !== undefined;
  }

  async blobSize(digest: string): Promise<number | undefined> {
    try {
      const s = await lstat(this.blobPath(digest));
      if (s.isSymbolicLink()) throw linkError(this.root, `blobs/${blobFileName(digest)}`);
      return s.isFile() ? s.size : undefined;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  }

  /** Reads a blob whole and verifies it against its digest. */
  async readBlob(digest: string, maxSize: number): Promise<Uint8Array> {
    const size = await this.blobSize(digest);
    if (size === undefined) throw new NotFoundError(`blob ${digest} not found`);
    if (size > maxSize) throw new TooLargeError(`blob ${digest}`, maxSize);
    const handle = await this.#openNoFollow(digest);
    let bytes: Uint8Array;
    try {
      bytes = await handle.readFile();
    } finally {
      await handle.close();
    }
    verifyBytes(bytes, { digest, size: bytes.byteLength }, `blob ${digest}`);
    return bytes;
  }

  /**
   * Stores content under its digest after verifying it. Returns false when the blob was already
   * present (the content is then drained and discarded, never compared byte by byte: equal digests
   * mean equal content; a file of another size, left by a crash, is replaced). With `sync: false`
   * nothing is fsynced: the caller calls `syncBlobs` before anything names the blob (a transaction
   * syncs its blobs together, with its index).
   */
  async writeBlob(
    expected: Descriptor,
    content: BlobContent,
    signal?: AbortSignal,
    { sync = true }: { readonly sync?: boolean } = {},
  ): Promise<boolean> {
    const target = this.blobPath(expected.digest);
    const size = await this.blobSize(expected.digest);
    if (size !== undefined && (size === expected.size || expected.size < 0)) {
      if (!(content instanceof Uint8Array)) content.resume();
      return false;
    }
    // A rename through a linked `blobs/` would put the blob wherever the link points.
    await this.#refuseLink(join(this.root, 'blobs'), 'blobs');
    const tmp = join(this.root, `${TEMP_PREFIX}blob.${randomBytes(8).toString('hex')}`);
    try {
      if (content instanceof Uint8Array) {
        verifyBytes(content, expected, `blob ${expected.digest}`);
        const handle = await open(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o644);
        try {
          await handle.writeFile(content, { signal });
          if (sync) await handle.sync();
        } finally {
          await handle.close();
        }
      } else {
        const out = createWriteStream(tmp, { flags: 'wx', mode: 0o644 });
        await pipeline(content, new VerifyingStream(expected, `blob ${expected.digest}`), out, { signal });
        if (sync) await fsyncFile(tmp);
      }
      await commitTempFile(tmp, target, sync);
      return true;
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    }
  }

  /** Opens a blob as a stream verified against `expected`; `NotFoundError` when it is absent. */
  async openBlob(expected: Descriptor): Promise<Readable> {
    const handle = await this.#openNoFollow(expected.digest);
    const stream = createReadStream('', { fd: handle, autoClose: true, highWaterMark: READ_CHUNK });
    const verifier = new VerifyingStream(expected, `blob ${expected.digest}`);
    stream.on('error', (err) => verifier.destroy(err));
    verifier.on('close', () => stream.destroy());
    return stream.pipe(verifier);
  }

  /** Opens a blob for reading, refusing a link; `NotFoundError` when it is absent. */
  async #openNoFollow(digest: string): Promise<FileHandle> {
    try {
      return await open(this.blobPath(digest), constants.O_RDONLY | constants.O_NOFOLLOW);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') throw new NotFoundError(`blob ${digest} not found`, { cause: err });
      if (code === 'ELOOP') throw linkError(this.root, `blobs/${blobFileName(digest)}`);
      throw err;
    }
  }

  async removeBlob(digest: string): Promise<void> {
    await unlink(this.blobPath(digest)).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw err;
    });
  }

  /** Every blob file with a valid digest name. */
  async listBlobs(): Promise<BlobFile[]> {
    let names: string[];
    try {
      names = await readdir(join(this.root, 'blobs'));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    const out: BlobFile[] = [];
    for (const name of names) {
      const digest = digestFromBlobFileName(name);
      if (digest === undefined) continue;
      try {
        const s = await lstat(join(this.root, 'blobs', name));
        out.push({ digest, size: s.size, mtimeMs: s.mtimeMs });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      }
    }
    return out;
  }

  /** Temporary files left by writers that died, older than `minAgeMs`. */
  async staleTempFiles(minAgeMs: number): Promise<string[]> {
    const out: string[] = [];
    for (const name of await readdir(this.root)) {
      if (!name.startsWith(TEMP_PREFIX)) continue;
      const path = join(this.root, name);
      try {
        if (Date.now() - (await stat(path)).mtimeMs >= minAgeMs) out.push(path);
      } catch {
        // removed meanwhile
      }
    }
    return out;
  }
}

function linkError(root: string, name: string): InvalidArchiveError {
  return new InvalidArchiveError(root, `${name} is a symbolic link; a CTF directory holds no links`, {
    hint: 'replace the link by the folder or file it points to; ocm reads and writes only inside the CTF',
  });
}
