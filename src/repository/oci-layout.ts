/**
 * OCI image layouts as local blobs (docs/formats.md, index form; ocm2's ADR 0013): a resource whose
 * content is an OCI layout tar (`application/vnd.ocm.software.oci.layout.v1+tar[+gzip]`) is not
 * stored as one opaque layer but unpacked into the component's repository, its manifest becoming a
 * nested manifest of the component version's image index. Reading it back re-materialises a layout tar.
 */
import { PassThrough, type Readable } from 'node:stream';
import tar from 'tar-stream';
import { fetchAll, readAll } from '../oci/content/read.js';
import type { OperationOptions, Store } from '../oci/content/storage.js';
import { type Descriptor, isPlainObject } from '../oci/descriptor.js';
import { digestOf, verifyBytes } from '../oci/digest.js';
import { InvalidManifestError } from '../oci/errors.js';
import { walkGraph } from '../oci/graph.js';
import { isImageIndex, parseManifest } from '../oci/manifest.js';
import { MediaType } from '../oci/mediatype.js';
import { readLayoutTar } from './layout-tar.js';

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
  const bytes =
    content instanceof Uint8Array ? content : await readAll(content, MAX_LAYOUT_SIZE, options.signal);
  const layout = await readLayoutTar(bytes, { what: 'OCI layout', maxSize: MAX_LAYOUT_SIZE });
  const marker = layout.files.get('oci-layout');
  if (!marker || !isPlainObject(parseJson(marker, 'oci-layout')))
    throw new InvalidManifestError('OCI layout: no oci-layout file');
  const indexBytes = layout.files.get('index.json');
  if (!indexBytes) throw new InvalidManifestError('OCI layout: no index.json');
  const index = parseManifest(indexBytes, MediaType.ImageIndex);
  if (!isImageIndex(index) || index.manifests.length === 0)
    throw new InvalidManifestError('OCI layout: index.json lists no manifest');

  const blobOf = (d: Descriptor): Uint8Array => {
    const found = layout.blob(d.digest);
    if (!found) throw new InvalidManifestError(`OCI layout: blob ${d.digest} is missing`);
    verifyBytes(found, d, `OCI layout blob ${d.digest}`);
    return found;
  };
  // Children first (oci/graph.ts), each digest once across the manifests index.json lists.
  const pushed = new Set<string>();
  for (const m of index.manifests) {
    const walk = walkGraph(m, async (d) => blobOf(d), {
      ...(options.signal ? { signal: options.signal } : {}),
      prune: (d) => pushed.has(d.digest),
    });
    for await (const { descriptor: d, bytes: data } of walk) {
      if (pushed.has(d.digest)) continue;
      if (!(await store.exists(d, options))) await store.push(d, data ?? blobOf(d), options);
      pushed.add(d.digest);
    }
  }
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
    // Children first (oci/graph.ts): every blob is in the tar before the manifest that names it.
    const walk = walkGraph(root, (d, o) => fetchAll(store, d, { ...options, ...o }), {
      ...(options.signal ? { signal: options.signal } : {}),
    });
    for await (const { descriptor: d, bytes } of walk) {
      const name = `blobs/${d.digest.replace(':', '/')}`;
      if (bytes) {
        await addBuffer(name, bytes);
        continue;
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
    }
    pack.finalize();
  })().catch((err: unknown) => {
    out.destroy(err as Error);
    pack.destroy();
  });
  return out;
}

function parseJson(bytes: Uint8Array, what: string): unknown {
  try {
    return JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch (cause) {
    throw new InvalidManifestError(`OCI layout: ${what} is not JSON`, { cause });
  }
}
