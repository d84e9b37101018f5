import { constants, createReadStream, createWriteStream } from 'node:fs';
import { lstat, open, readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGunzip, createGzip } from 'node:zlib';
import tar from 'tar-stream';
import { OcmError } from '../errors.js';
import { VerifyingStream } from '../oci/digest.js';
import { TooLargeError } from '../oci/errors.js';
import { INDEX_FILE, MAX_INDEX_SIZE } from './artifact-index.js';
import { commitTempFile, ensureDirectory, tempPathFor } from './atomic.js';
import { blobFileName, digestFromBlobFileName } from './blob-names.js';
import { InvalidArchiveError } from './errors.js';

/**
 * The three physical forms of a CTF (docs/formats.md, CTF): a directory, a tar of that directory, or a
 * gzip-compressed tar. The form is chosen by the path's extension (as ocm2 does) and confirmed by
 * the content (as ocm1 does), so a `.tgz` that is not gzip, or a `.tar` that is not a tar, is refused.
 */
export type CtfFormat = 'directory' | 'tar' | 'tgz';

export function formatFromPath(path: string): CtfFormat {
  const lower = path.toLowerCase();
  if (lower.endsWith('.tgz') || lower.endsWith('.tar.gz')) return 'tgz';
  if (lower.endsWith('.tar')) return 'tar';
  return 'directory';
}

/** Checks that what is at `path` has the expected form; `false` when nothing is there. */
export async function confirmFormat(path: string, format: CtfFormat): Promise<boolean> {
  let info: Awaited<ReturnType<typeof stat>>;
  try {
    info = await stat(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
  if (format === 'directory') {
    if (!info.isDirectory())
      throw new InvalidArchiveError(path, 'is not a directory (name it .tar or .tgz for an archive)');
    return true;
  }
  if (!info.isFile()) throw new InvalidArchiveError(path, `is not a file, but its name says ${format}`);
  const head = Buffer.alloc(512);
  const handle = await open(path, constants.O_RDONLY);
  let read: number;
  try {
    ({ bytesRead: read } = await handle.read(head, 0, 512, 0));
  } finally {
    await handle.close();
  }
  const gzip = read >= 2 && head[0] === 0x1f && head[1] === 0x8b;
  if (format === 'tgz' && !gzip)
    throw new InvalidArchiveError(path, 'is named as a gzip-compressed tar but is not gzip');
  if (format === 'tar' && (gzip || read < 512 || !isTarHeader(head))) {
    throw new InvalidArchiveError(
      path,
      gzip ? 'is gzip-compressed but named .tar (use .tgz)' : 'is not a tar archive',
    );
  }
  return true;
}

/** A tar header block is recognised by its checksum (which old formats have too, unlike `ustar`). */
function isTarHeader(block: Buffer): boolean {
  const stored = Number.parseInt(block.subarray(148, 156).toString('latin1').replace(/\0.*$/s, '').trim(), 8);
  if (!Number.isFinite(stored)) return false;
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 0x20 : block[i]!;
  return sum === stored;
}

/**
 * Extracts a CTF archive into `targetDir` (which must be empty or missing), refusing anything that
 * could write outside it or misrepresent content: absolute paths, `..`, links, devices, duplicate
 * entries, blob files whose name is not `<algorithm>.<hex>` or whose bytes do not hash to that name,
 * and an index over the size limit. Entries outside `artifact-index.json` and `blobs/` are skipped.
 */
export async function extractArchive(
  archivePath: string,
  format: Exclude<CtfFormat, 'directory'>,
  targetDir: string,
  signal?: AbortSignal,
): Promise<void> {
  await ensureDirectory(join(targetDir, 'blobs'));
  const extract = tar.extract();
  const source = createReadStream(archivePath);
  const piping = (
    format === 'tgz'
      ? pipeline(source, createGunzip(), extract, { signal })
      : pipeline(source, extract, { signal })
  ).catch((err: unknown) => err);
  const seen = new Set<string>();
  try {
    for await (const entry of extract) {
      const name = safeEntryName(archivePath, entry.header.name);
      const type = entry.header.type ?? 'file';
      if (type === 'directory') {
        entry.resume();
        continue;
      }
      if (type !== 'file' && type !== 'contiguous-file') {
        throw new InvalidArchiveError(
          archivePath,
          `entry ${JSON.stringify(entry.header.name)} is a ${type}; links and devices are refused`,
        );
      }
      if (seen.has(name))
        throw new InvalidArchiveError(archivePath, `entry ${JSON.stringify(name)} appears twice`);
      seen.add(name);
      const size = entry.header.size ?? 0;
      if (name === INDEX_FILE) {
        if (size > MAX_INDEX_SIZE)
          throw new TooLargeError(`${archivePath}: artifact-index.json`, MAX_INDEX_SIZE);
        await pipeline(entry, createWriteStream(join(targetDir, INDEX_FILE), { flags: 'wx' }));
        continue;
      }
      const parts = name.split('/');
      if (parts.length !== 2 || parts[0] !== 'blobs') {
        entry.resume();
        continue;
      }
      const digest = digestFromBlobFileName(parts[1]!);
      if (digest === undefined) {
        throw new InvalidArchiveError(
          archivePath,
          `blob ${JSON.stringify(name)} is not named <algorithm>.<hex>`,
        );
      }
      try {
        await pipeline(
          entry,
          new VerifyingStream({ digest, size }, `blob ${name}`),
          createWriteStream(join(targetDir, 'blobs', blobFileName(digest)), { flags: 'wx' }),
        );
      } catch (cause) {
        if (cause instanceof OcmError) {
          throw new InvalidArchiveError(
            archivePath,
            `blob ${name} does not match its name: ${cause.message}`,
            { cause },
          );
        }
        throw cause;
      }
    }
  } catch (err) {
    source.destroy();
    extract.destroy();
    await piping;
    throw readFailure(archivePath, err);
  }
  const failure = await piping;
  if (failure) throw readFailure(archivePath, failure);
}

/** Decoding failures (corrupt gzip, truncated tar) become typed; file-system and abort errors stay as they are. */
function readFailure(archivePath: string, err: unknown): unknown {
  if (err instanceof OcmError || !(err instanceof Error) || err.name === 'AbortError' || 'syscall' in err)
    return err;
  return new InvalidArchiveError(archivePath, `cannot be read: ${err.message}`, { cause: err });
}

/** Normalises an entry name and refuses names that would leave the extraction root. */
function safeEntryName(archivePath: string, raw: string): string {
  if (raw.includes('\0') || raw.includes('\\')) {
    throw new InvalidArchiveError(archivePath, `entry name ${JSON.stringify(raw)} holds a NUL or backslash`);
  }
  if (raw.startsWith('/'))
    throw new InvalidArchiveError(archivePath, `entry ${JSON.stringify(raw)} has an absolute path`);
  const parts = raw.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.includes('..'))
    throw new InvalidArchiveError(archivePath, `entry ${JSON.stringify(raw)} climbs out with ..`);
  return parts.join('/');
}

/** Fixed metadata for reproducible archives, as the ocm1 writer uses (2022-01-01T00:00:00Z). */
const ENTRY_MTIME = new Date(Date.UTC(2022, 0, 1));

/**
 * Writes the CTF whose blobs are in directory `sourceDir`, with index `indexBytes`, as an archive at `targetPath`, atomically: built in a
 * temporary file beside the target, fsynced, renamed over it. `artifact-index.json` is the first
 * entry, blobs follow sorted by name; no directory entries (ocm2 writes none, and its reader creates
 * them relative to the working directory), mode 0644, uid/gid 0, fixed mtime.
 */
export async function writeArchive(
  sourceDir: string,
  indexBytes: Uint8Array,
  format: Exclude<CtfFormat, 'directory'>,
  targetPath: string,
  signal?: AbortSignal,
): Promise<void> {
  const tmp = tempPathFor(targetPath);
  const pack = tar.pack();
  const out = createWriteStream(tmp, { flags: 'wx', mode: 0o644 });
  const writing =
    format === 'tgz' ? pipeline(pack, createGzip(), out, { signal }) : pipeline(pack, out, { signal });
  try {
    const blobs = (await readdir(join(sourceDir, 'blobs')))
      .filter((n) => digestFromBlobFileName(n) !== undefined)
      .sort();
    await new Promise<void>((resolve, reject) => {
      pack.entry(entryHeader(INDEX_FILE, indexBytes.byteLength), Buffer.from(indexBytes), (err) =>
        err ? reject(err) : resolve(),
      );
    });
    for (const name of blobs) {
      signal?.throwIfAborted();
      await addFile(pack, join(sourceDir, 'blobs', name), `blobs/${name}`);
    }
    pack.finalize();
    await writing;
    const handle = await open(tmp, constants.O_RDONLY);
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
    await commitTempFile(tmp, targetPath);
  } catch (err) {
    pack.destroy();
    await writing.catch(() => {});
    await rm(tmp, { force: true });
    throw err;
  }
}

function entryHeader(name: string, size: number): Partial<tar.Header> & { name: string } {
  return { name, size, mode: 0o644, mtime: ENTRY_MTIME, uid: 0, gid: 0, uname: '', gname: '', type: 'file' };
}

async function addFile(pack: tar.Pack, path: string, name: string): Promise<void> {
  const info = await lstat(path);
  if (!info.isFile()) throw new InvalidArchiveError(path, 'is not a regular file');
  await new Promise<void>((resolve, reject) => {
    const entry = pack.entry(entryHeader(name, info.size), (err) => (err ? reject(err) : resolve()));
    const input = createReadStream(path);
    input.on('error', (err) => {
      entry.destroy(err);
      reject(err);
    });
    input.pipe(entry);
  });
}
