/**
 * OCI image layouts as local blobs (docs/formats.md, index form; ocm2's ADR 0013): a resource whose
 * content is an OCI layout tar (`application/vnd.ocm.software.oci.layout.v1+tar[+gzip]`) is not
 * stored as one opaque layer but unpacked into the component's repository, its manifest becoming a
 * nested manifest of the component version's image index. Reading it back re-materialises a layout tar.
 */
import { PassThrough, type Readable } from 'node:stream';
import { gunzipSync } from 'node:zlib';
import tar from 'tar-stream';
import { readAll } from '../oci/content/read.js';
import type { OperationOptions, Store } from '../oci/content/storage.js';
import { type Descriptor, isPlainObject, validateDescriptor } from '../oci/descriptor.js';
import { digestOf, verifyBytes } from '../oci/digest.js';
import { InvalidManifestError, TooLargeError } from '../oci/errors.js';
import { isImageIndex, parseManifest } from '../oci/manifest.js';
import { isManifestType, MediaType } from '../oci/mediatype.js';

export const OciLayoutMediaType = {
  Tar: 'application/vnd.ocm.software.oci.layout.v1+tar',
  TarGzip: 'application/vnd.ocm.software.oci.layout.v1+tar+gzip',
} as const;

export function isOciLayoutMediaType(mediaType: string): boolean {
  return mediaType === OciLayoutMediaType.Tar || mediaType === OciLayoutMediaType.TarGzip;
}

/** Layouts are unpacked in memory (the repository layer does no file I/O): this much at most. */
export const MAX_LAYOUT_SIZE = 512 * 1024 * 1024;

/**
 * Unpacks an OCI layout tar into `store`: every blob verified against its digest, blobs before the
 * manifests that name them. Returns the root: the single manifest `index.json` lists, or the index
 * itself when it lists several.
 */
export async function pushOciLayout(
  store: Store,
  content: Readable | Uint8Array,
  options: OperationOptions = {},
): Promise<Descriptor> {
  let bytes =
    content instanceof Uint8Array ? content : await readAll(content, MAX_LAYOUT_SIZE, options.signal);
  if (bytes.byteLength > MAX_LAYOUT_SIZE) throw new TooLargeError('OCI layout', MAX_LAYOUT_SIZE);
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) bytes = gunzip(bytes);
  const files = await untar(bytes);
  const layout = files.get('oci-layout');
  if (!layout || !isPlainObject(parseJson(layout, 'oci-layout')))
    throw new InvalidManifestError('OCI layout: no oci-layout file');
  const indexBytes = files.get('index.json');
  if (!indexBytes) throw new InvalidManifestError('OCI layout: no index.json');
  const index = parseManifest(indexBytes, MediaType.ImageIndex);
  if (!isImageIndex(index) || index.manifests.length === 0)
    throw new InvalidManifestError('OCI layout: index.json lists no manifest');

  const blobOf = (d: Descriptor): Uint8Array => {
    const [algorithm, hex] = d.digest.split(':');
    const found = files.get(`blobs/${algorithm}/${hex}`);
    if (!found) throw new InvalidManifestError(`OCI layout: blob ${d.digest} is missing`);
    verifyBytes(found, d, `OCI layout blob ${d.digest}`);
    return found;
  };
  const pushed = new Set<string>();
  const push = async (d: Descriptor): Promise<void> => {
    if (pushed.has(d.digest)) return;
    const data = blobOf(d);
    if (isManifestType(d.mediaType)) {
      const m = parseManifest(data, d.mediaType);
      for (const child of isImageIndex(m) ? m.manifests : [m.config, ...m.layers])
        await push(validateDescriptor(child));
    }
    if (!(await store.exists(d, options))) await store.push(d, data, options);
    pushed.add(d.digest);
  };
  for (const m of index.manifests) await push(m);
  if (index.manifests.length === 1) {
    const root = index.manifests[0]!;
    return { mediaType: root.mediaType, digest: root.digest, size: root.size };
  }
  const root = { mediaType: MediaType.ImageIndex, digest: digestOf(indexBytes), size: indexBytes.byteLength };
  await store.push(root, indexBytes, options);
  return root;
}

/**
 * An OCI layout tar of the graph below `root`, streamed from `store` (every blob verified as it is
 * read): `oci-layout`, `index.json` listing only the root, then `blobs/<alg>/<hex>`.
 */
export function layoutTarStream(
  store: Store,
  root: Descriptor,
  refName: string | undefined,
  options: OperationOptions = {},
): Readable {
  const pack = tar.pack();
  const out = new PassThrough();
  pack.pipe(out);
  const mtime = new Date(Date.UTC(2022, 0, 1));
  const addBuffer = (name: string, data: Uint8Array) =>
    new Promise<void>((resolve, reject) =>
      pack.entry({ name, size: data.byteLength, mode: 0o644, mtime }, Buffer.from(data), (err) =>
        err ? reject(err) : resolve(),
      ),
    );
  (async () => {
    await addBuffer('oci-layout', Buffer.from('{"imageLayoutVersion":"1.0.0"}'));
    const top = {
      mediaType: root.mediaType,
      digest: root.digest,
      size: root.size,
      ...(refName ? { annotations: { 'org.opencontainers.image.ref.name': refName } } : {}),
    };
    await addBuffer(
      'index.json',
      Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MediaType.ImageIndex, manifests: [top] })),
    );
    const seen = new Set<string>();
    const walk = async (d: Descriptor): Promise<void> => {
      if (seen.has(d.digest)) return;
      seen.add(d.digest);
      const name = `blobs/${d.digest.replace(':', '/')}`;
      if (isManifestType(d.mediaType)) {
        const data = await readAll(await store.fetch(d, options), d.size + 1, options.signal);
        const m = parseManifest(data, d.mediaType);
        for (const child of isImageIndex(m) ? m.manifests : [m.config, ...m.layers]) await walk(child);
        await addBuffer(name, data);
        return;
      }
      const source = await store.fetch(d, options);
      await new Promise<void>((resolve, reject) => {
        const entry = pack.entry({ name, size: d.size, mode: 0o644, mtime }, (err) =>
          err ? reject(err) : resolve(),
        );
        source.on('error', (err) => {
          entry.destroy(err);
          reject(err);
        });
        source.pipe(entry);
      });
    };
    await walk(root);
    pack.finalize();
  })().catch((err: unknown) => {
    out.destroy(err as Error);
    pack.destroy();
  });
  return out;
}

/** zlib failures (corrupt or truncated gzip, output over the limit) as typed errors. */
function gunzip(bytes: Uint8Array): Uint8Array {
  try {
    return gunzipSync(bytes, { maxOutputLength: MAX_LAYOUT_SIZE });
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE')
      throw new TooLargeError('OCI layout (uncompressed)', MAX_LAYOUT_SIZE, { cause });
    throw new InvalidManifestError(`OCI layout: not readable gzip: ${(cause as Error).message}`, { cause });
  }
}

async function untar(bytes: Uint8Array): Promise<Map<string, Uint8Array>> {
  const files = new Map<string, Uint8Array>();
  const extract = tar.extract();
  const done = (async () => {
    for await (const entry of extract) {
      const name = entry.header.name.replace(/^\.\//, '');
      if (
        (entry.header.type ?? 'file') !== 'file' ||
        name.split('/').includes('..') ||
        name.startsWith('/')
      ) {
        entry.resume();
        continue;
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
    throw new InvalidManifestError(`OCI layout: not a readable tar: ${(cause as Error).message}`, { cause });
  }
  return files;
}

function parseJson(bytes: Uint8Array, what: string): unknown {
  try {
    return JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch (cause) {
    throw new InvalidManifestError(`OCI layout: ${what} is not JSON`, { cause });
  }
}
