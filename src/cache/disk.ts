import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { digestOf, isValidDigest, parseDigest } from '../oci/digest.js';
import { InvalidCacheOptionError } from './errors.js';

export interface ContentCacheOptions {
  /** The cache directory; created on first write. */
  readonly dir: string;
  /** Bytes the cache may hold (content and tag hints); least recently used entries go first. Default 256 MiB. */
  readonly maxBytes?: number;
  /** Blobs up to this size are cached; manifests always (they are at most 4 MiB). Default 1 MiB. */
  readonly maxBlobSize?: number;
  /** The clock for recency (ms since the epoch). Default `Date.now`. */
  readonly now?: () => number;
}

/** What a tag pointed at when this cache last saw it: a hint for choosing HEAD over GET, never trusted. */
export interface RefHint {
  readonly digest: string;
  readonly mediaType: string;
  readonly size: number;
}

export interface CacheInfo {
  readonly dir: string;
  readonly entries: number;
  readonly refs: number;
  readonly bytes: number;
  readonly maxBytes: number;
}

export interface CacheEvents {
  /** A cached file did not match its digest: it was removed and the content fetched again. */
  corrupt?: number;
  hits?: number;
  misses?: number;
  evicted?: number;
}

const LAYOUT = 'v1';
const DEFAULT_MAX_BYTES = 256 * 1024 * 1024;
const DEFAULT_MAX_BLOB = 1024 * 1024;
/** Eviction frees down to this share of the limit, so that it runs rarely. */
const LOW_WATER = 0.8;

/**
 * A content-addressed cache on disk (docs/cache.md): files named by their digest, so an entry is
 * valid forever; every read is verified against its name, and a mismatch removes the file. Writes go
 * to a temporary file renamed into place, so concurrent processes never see a torn file. Size is
 * bounded: reads refresh a file's mtime, and when the cache outgrows `maxBytes` the files with the
 * oldest mtime are removed. Every failure of the cache itself is swallowed: a cache that cannot read
 * or write is a cache that misses.
 */
export class ContentCache {
  readonly dir: string;
  readonly maxBytes: number;
  readonly maxBlobSize: number;
  readonly events: Required<CacheEvents> = { corrupt: 0, hits: 0, misses: 0, evicted: 0 };
  readonly #now: () => number;
  /** Bytes this process believes the cache holds; undefined until first scanned. */
  #total: number | undefined;
  #evicting: Promise<void> | undefined;

  constructor(options: ContentCacheOptions) {
    const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
    const maxBlobSize = options.maxBlobSize ?? DEFAULT_MAX_BLOB;
    if (!Number.isSafeInteger(maxBytes) || maxBytes < 0)
      throw new InvalidCacheOptionError(`cache size ${maxBytes} is not a whole number of bytes`);
    if (!Number.isSafeInteger(maxBlobSize) || maxBlobSize < 0)
      throw new InvalidCacheOptionError(`cache blob limit ${maxBlobSize} is not a whole number of bytes`);
    this.dir = options.dir;
    this.maxBytes = maxBytes;
    this.maxBlobSize = maxBlobSize;
    this.#now = options.now ?? Date.now;
  }

  /** The file that holds `digest`. */
  pathOf(digest: string): string {
    const { algorithm, encoded } = parseDigest(digest);
    return join(this.dir, LAYOUT, 'content', algorithm, encoded);
  }

  /** The verified bytes of `digest`, or undefined (absent, unreadable, or corrupt and now removed). */
  async get(digest: string): Promise<Uint8Array | undefined> {
    if (!isValidDigest(digest)) return undefined;
    const path = this.pathOf(digest);
    let bytes: Buffer;
    try {
      bytes = await readFile(path);
    } catch {
      this.events.misses++;
      return undefined;
    }
    if (digestOf(bytes, parseDigest(digest).algorithm) !== digest) {
      this.events.corrupt++;
      this.events.misses++;
      await rm(path, { force: true }).catch(() => {});
      return undefined;
    }
    this.events.hits++;
    await this.#touch(path);
    return bytes;
  }

  /** Whether `digest` is held (unverified: `get` verifies). */
  async has(digest: string): Promise<boolean> {
    if (!isValidDigest(digest)) return false;
    try {
      await stat(this.pathOf(digest));
      return true;
    } catch {
      return false;
    }
  }

  /** Stores bytes under their digest (the caller has verified them). */
  async put(digest: string, bytes: Uint8Array): Promise<void> {
    if (!isValidDigest(digest) || bytes.byteLength > this.maxBytes) return;
    await this.#write(this.pathOf(digest), bytes);
  }

  /** The last digest seen for `key` (a registry, repository and tag), if any. */
  async getRef(key: string): Promise<RefHint | undefined> {
    const path = this.#refPath(key);
    try {
      const doc = JSON.parse(await readFile(path, 'utf8')) as Partial<RefHint> & { key?: unknown };
      if (
        doc.key !== key ||
        typeof doc.digest !== 'string' ||
        !isValidDigest(doc.digest) ||
        typeof doc.mediaType !== 'string' ||
        !Number.isSafeInteger(doc.size)
      )
        return undefined;
      await this.#touch(path);
      return { digest: doc.digest, mediaType: doc.mediaType, size: doc.size as number };
    } catch {
      return undefined;
    }
  }

  async putRef(key: string, hint: RefHint): Promise<void> {
    const current = await this.getRef(key);
    if (current?.digest === hint.digest) return;
    const text = JSON.stringify({ key, digest: hint.digest, mediaType: hint.mediaType, size: hint.size });
    await this.#write(this.#refPath(key), Buffer.from(text));
  }

  /** Counts and bytes on disk. */
  async info(): Promise<CacheInfo> {
    const files = await this.#scan();
    const refs = files.filter((f) => f.ref).length;
    const bytes = files.reduce((n, f) => n + f.size, 0);
    return { dir: this.dir, entries: files.length - refs, refs, bytes, maxBytes: this.maxBytes };
  }

  /**
   * Removes least recently used files until at most `keepBytes` remain (0: everything), and stale
   * temporary files. Returns what was removed.
   */
  async prune(keepBytes = 0): Promise<{ readonly files: number; readonly bytes: number }> {
    const removed = await this.#evict(keepBytes);
    const tmp = join(this.dir, LAYOUT, 'tmp');
    for (const name of await readdir(tmp).catch(() => [] as string[])) {
      const path = join(tmp, name);
      const s = await stat(path).catch(() => undefined);
      // A temporary file younger than a minute may belong to a process writing it now.
      if (s && (keepBytes === 0 || this.#now() - s.mtimeMs > 60_000)) await rm(path, { force: true });
    }
    return removed;
  }

  #refPath(key: string): string {
    return join(this.dir, LAYOUT, 'refs', createHash('sha256').update(key).digest('hex'));
  }

  /** Marks a file used now: eviction goes by mtime. */
  async #touch(path: string): Promise<void> {
    const t = this.#now() / 1000;
    await utimes(path, t, t).catch(() => {});
  }

  async #write(path: string, bytes: Uint8Array): Promise<void> {
    try {
      const tmpDir = join(this.dir, LAYOUT, 'tmp');
      const tmp = join(tmpDir, `${randomBytes(8).toString('hex')}.tmp`);
      await mkdir(tmpDir, { recursive: true });
      await mkdir(join(path, '..'), { recursive: true });
      await writeFile(tmp, bytes, { flag: 'wx' });
      const t = this.#now() / 1000;
      await utimes(tmp, t, t);
      // rename(2) replaces atomically: a reader sees the old file, the new one, or none, never a part.
      await rename(tmp, path).catch(async (err: unknown) => {
        await rm(tmp, { force: true });
        throw err;
      });
      if (this.#total === undefined) this.#total = (await this.#scan()).reduce((n, f) => n + f.size, 0);
      else this.#total += bytes.byteLength;
      if (this.#total > this.maxBytes) {
        this.#evicting ??= this.#evict(Math.floor(this.maxBytes * LOW_WATER))
          .then(() => undefined)
          .finally(() => {
            this.#evicting = undefined;
          });
        await this.#evicting;
      }
    } catch {
      // A cache that cannot write is a cache that misses.
    }
  }

  async #evict(keepBytes: number): Promise<{ files: number; bytes: number }> {
    const files = await this.#scan();
    files.sort((a, b) => a.mtimeMs - b.mtimeMs || (a.path < b.path ? -1 : 1));
    let total = files.reduce((n, f) => n + f.size, 0);
    let removedFiles = 0;
    let removedBytes = 0;
    for (const f of files) {
      if (total <= keepBytes) break;
      await rm(f.path, { force: true }).catch(() => {});
      total -= f.size;
      removedFiles++;
      removedBytes += f.size;
    }
    this.events.evicted += removedFiles;
    this.#total = total;
    return { files: removedFiles, bytes: removedBytes };
  }

  async #scan(): Promise<{ path: string; size: number; mtimeMs: number; ref: boolean }[]> {
    const out: { path: string; size: number; mtimeMs: number; ref: boolean }[] = [];
    const root = join(this.dir, LAYOUT);
    const visit = async (dir: string, ref: boolean) => {
      for (const entry of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
        const path = join(dir, entry.name);
        if (entry.isDirectory()) await visit(path, ref);
        else if (entry.isFile()) {
          const s = await stat(path).catch(() => undefined);
          if (s) out.push({ path, size: s.size, mtimeMs: s.mtimeMs, ref });
        }
      }
    };
    await visit(join(root, 'content'), false);
    await visit(join(root, 'refs'), true);
    return out;
  }
}
