/**
 * The one reader of OCI image layout tars (https://github.com/opencontainers/image-spec/blob/v1.1.0/image-layout.md),
 * gzipped or not, for both uses: unpacking a layout given as a local blob (`oci-layout.ts`) and
 * finding the main manifest of an ocm1 artifact set when signing (`signing.ts`).
 *
 * Entry rules (hostile archives are refused, never half-read): a name may not be absolute or contain
 * `..`; symbolic and hard links, devices and FIFOs are refused; directories are skipped; a leading
 * `./` is dropped. Gzip is detected by its magic bytes, not by media type. Everything is held in
 * memory: callers bound the size.
 */
import { gunzipSync } from 'node:zlib';
import tar from 'tar-stream';
import { InvalidManifestError, TooLargeError } from '../oci/errors.js';

export interface ReadLayoutTarOptions {
  /** What the tar is, for messages: `OCI layout`, `artifact set`. */
  readonly what: string;
  /** Most bytes the (uncompressed) tar may have. */
  readonly maxSize: number;
}

export interface LayoutTar {
  /** Regular files by path, without a leading `./`. */
  readonly files: ReadonlyMap<string, Uint8Array>;
  /**
   * The bytes of blob `digest`: `blobs/<alg>/<hex>` as the image spec names it, or `blobs/<alg>.<hex>`
   * as ocm1 artifact sets do. Not verified here; undefined when absent.
   */
  blob(digest: string): Uint8Array | undefined;
  /** The digest each blob entry's name stands for, with its bytes (not verified here). */
  blobEntries(): { readonly name: string; readonly digest: string; readonly bytes: Uint8Array }[];
}

/** Blob entry names of both spellings: `blobs/sha256/<hex>` and ocm1's `blobs/sha256.<hex>`. */
const BLOB_NAME = /^blobs\/([a-z0-9]+)[./]([0-9a-f]+)$/;

/**
 * Reads a layout tar into memory. `InvalidManifestError` for unreadable gzip or tar and for refused
 * entries, `TooLargeError` past `maxSize`.
 */
export async function readLayoutTar(bytes: Uint8Array, options: ReadLayoutTarOptions): Promise<LayoutTar> {
  const { what, maxSize } = options;
  if (bytes.byteLength > maxSize) throw new TooLargeError(what, maxSize);
  const tarBytes = bytes[0] === 0x1f && bytes[1] === 0x8b ? gunzip(bytes, options) : bytes;
  const files = await untar(tarBytes, what);
  return {
    files,
    blob: (digest) => {
      const colon = digest.indexOf(':');
      if (colon < 0) return undefined;
      const [algorithm, hex] = [digest.slice(0, colon), digest.slice(colon + 1)];
      return files.get(`blobs/${algorithm}/${hex}`) ?? files.get(`blobs/${algorithm}.${hex}`);
    },
    blobEntries: () => {
      const out: { name: string; digest: string; bytes: Uint8Array }[] = [];
      for (const [name, data] of files) {
        const m = BLOB_NAME.exec(name);
        if (m) out.push({ name, digest: `${m[1]}:${m[2]}`, bytes: data });
      }
      return out;
    },
  };
}

/** zlib failures (corrupt or truncated gzip, output over the limit) as typed errors. */
function gunzip(bytes: Uint8Array, { what, maxSize }: ReadLayoutTarOptions): Uint8Array {
  try {
    return gunzipSync(bytes, { maxOutputLength: maxSize });
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE')
      throw new TooLargeError(`${what} (uncompressed)`, maxSize, { cause });
    throw new InvalidManifestError(`${what}: not readable gzip: ${(cause as Error).message}`, { cause });
  }
}

async function untar(bytes: Uint8Array, what: string): Promise<Map<string, Uint8Array>> {
  const files = new Map<string, Uint8Array>();
  const extract = tar.extract();
  const done = (async () => {
    for await (const entry of extract) {
      const type = entry.header.type ?? 'file';
      const raw = entry.header.name;
      const name = raw.replace(/^(\.\/)+/, '');
      if (name.startsWith('/') || name.split('/').includes('..')) {
        throw new InvalidManifestError(`${what}: entry ${JSON.stringify(raw)} points outside the layout`);
      }
      if (type === 'directory') {
        entry.resume();
        continue;
      }
      if (type !== 'file' && type !== 'contiguous-file') {
        throw new InvalidManifestError(
          `${what}: entry ${JSON.stringify(raw)} is a ${type}; only files and directories are allowed`,
        );
      }
      const chunks: Buffer[] = [];
      for await (const c of entry) chunks.push(c as Buffer);
      files.set(name, Buffer.concat(chunks));
    }
  })();
  extract.end(Buffer.from(bytes));
  try {
    await done;
  } catch (cause) {
    extract.destroy();
    if (cause instanceof InvalidManifestError) throw cause;
    throw new InvalidManifestError(`${what}: not a readable tar: ${(cause as Error).message}`, { cause });
  }
  return files;
}
