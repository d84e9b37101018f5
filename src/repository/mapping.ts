/**
 * How a component version is stored as OCI content (docs/formats.md, OCI mapping): one
 * repository per component, one image manifest per version whose config points at the descriptor
 * layer, local blobs as further layers, the version in the manifest annotations.
 */
import tar from 'tar-stream';
import {
  type DescriptorV2,
  parseDescriptor,
  serialiseDescriptor,
  versionToTag,
} from '../descriptor/index.js';
import { type Descriptor, isPlainObject } from '../oci/descriptor.js';
import { digestOf } from '../oci/digest.js';
import { TooLargeError } from '../oci/errors.js';
import {
  encodeManifest,
  type ImageIndex,
  type ImageManifest,
  isImageIndex,
  type Manifest,
} from '../oci/manifest.js';
import { MediaType } from '../oci/mediatype.js';
import { InvalidComponentVersionError } from './errors.js';

export const OcmMediaType = {
  ComponentConfig: 'application/vnd.ocm.software.component.config.v1+json',
  DescriptorYamlTar: 'application/vnd.ocm.software.component-descriptor.v2+yaml+tar',
  DescriptorJson: 'application/vnd.ocm.software.component-descriptor.v2+json',
  DescriptorYaml: 'application/vnd.ocm.software.component-descriptor.v2+yaml',
} as const;

/** Every descriptor layer media type a reader must accept (docs/formats.md), with its encoding. */
const descriptorLayerTypes: Readonly<Record<string, 'tar' | 'json' | 'yaml'>> = {
  [OcmMediaType.DescriptorYamlTar]: 'tar',
  [OcmMediaType.DescriptorJson]: 'json',
  [OcmMediaType.DescriptorYaml]: 'yaml',
  'application/vnd.gardener.cloud.cnudie.component-descriptor.v2+yaml+tar': 'tar',
  'application/vnd.oci.gardener.cloud.cnudie.component-descriptor.config.v2+yaml+tar': 'tar',
  'application/vnd.gardener.cloud.cnudie.component-descriptor.v2+json': 'json',
  'application/vnd.gardener.cloud.cnudie.component-descriptor.v2+yaml': 'yaml',
};

/** Config media types of component versions, legacy ones included (read only). */
const componentConfigTypes: ReadonlySet<string> = new Set([
  OcmMediaType.ComponentConfig,
  'application/vnd.gardener.cloud.cnudie.component.config.v1+json',
  'application/vnd.oci.gardener.cloud.cnudie.component-descriptor-metadata.config.v2+json',
]);

export const Annotation = {
  ComponentVersion: 'software.ocm.componentversion',
  Creator: 'software.ocm.creator',
  Artifact: 'software.ocm.artifact',
} as const;

export const CREATOR = 'ocm-ts';

/** The OCI repository of a component: `[prefix/]component-descriptors/<component>`. */
export function componentRepository(component: string, prefix = ''): string {
  const base = prefix.replace(/^\/+|\/+$/g, '');
  return `${base === '' ? '' : `${base}/`}component-descriptors/${component}`;
}

export function isDescriptorLayerType(mediaType: string): boolean {
  return mediaType in descriptorLayerTypes;
}

/** Descriptors larger than this are refused on read (ocm2 caps at 1 GiB; no real one comes near). */
export const MAX_DESCRIPTOR_SIZE = 16 * 1024 * 1024;

/**
 * What a manifest says about the component version it stores, without fetching anything else:
 * the component and version from the annotation (a `component-descriptors/` prefix accepted), or,
 * for annotation-less legacy manifests, only that it is one (`legacy: true`, version = tag).
 */
export interface ManifestIdentity {
  readonly component?: string;
  readonly version?: string;
  readonly legacy: boolean;
}

export function manifestIdentity(manifest: Manifest): ManifestIdentity | undefined {
  const annotation = manifest.annotations?.[Annotation.ComponentVersion];
  if (annotation !== undefined) {
    const text = annotation.replace(/^component-descriptors\//, '');
    const colon = text.lastIndexOf(':');
    if (colon <= 0) return undefined;
    return { component: text.slice(0, colon), version: text.slice(colon + 1), legacy: false };
  }
  if (!isImageIndex(manifest) && componentConfigTypes.has(manifest.config.mediaType)) return { legacy: true };
  return undefined;
}

/**
 * Checks that `manifest` stores a version of `component` and returns that version. `tag` is what
 * it was looked up by: the version of a legacy manifest, if it is a version tag at all.
 */
export function expectComponentVersion(
  manifest: Manifest,
  component: string,
  what: string,
): ManifestIdentity {
  const identity = manifestIdentity(manifest);
  if (!identity) {
    throw new InvalidComponentVersionError(
      `${what} is not an OCM component version (no ${Annotation.ComponentVersion} annotation, no OCM config)`,
    );
  }
  if (identity.component !== undefined && identity.component !== component) {
    throw new InvalidComponentVersionError(
      `${what} is a version of ${identity.component}, not of ${component}`,
    );
  }
  return identity;
}

/** The descriptor manifest of a component version stored as an image index: annotated, else the first. */
export function descriptorManifestOf(index: Manifest): Descriptor | undefined {
  if (!isImageIndex(index)) return undefined;
  return (
    index.manifests.find((m) => m.annotations?.['software.ocm.descriptor'] === 'true') ??
    index.manifests.find((m) => m.mediaType === MediaType.ImageManifest)
  );
}

/**
 * The descriptor layer of an image manifest. Every writer puts it first and we find it by media
 * type, which spares the config fetch (2 requests for a version instead of 3); the config is the
 * authority only when no layer has a descriptor media type, and the caller then reads it.
 */
export function descriptorLayerOf(manifest: ImageManifest): Descriptor | undefined {
  const first = manifest.layers[0];
  if (first && isDescriptorLayerType(first.mediaType)) return first;
  return manifest.layers.find((l) => isDescriptorLayerType(l.mediaType));
}

/** Reads the `componentDescriptorLayer` of a component config blob. */
export function descriptorLayerFromConfig(config: Uint8Array): Descriptor | undefined {
  try {
    const doc: unknown = JSON.parse(Buffer.from(config).toString('utf8'));
    if (!isPlainObject(doc) || !isPlainObject(doc.componentDescriptorLayer)) return undefined;
    const l = doc.componentDescriptorLayer;
    if (typeof l.mediaType !== 'string' || typeof l.digest !== 'string' || typeof l.size !== 'number')
      return undefined;
    return { mediaType: l.mediaType, digest: l.digest, size: l.size };
  } catch {
    return undefined;
  }
}

/** Decodes a descriptor layer of any accepted media type. Stored descriptors are read leniently (ocm2 does). */
export async function decodeDescriptorLayer(layer: Descriptor, bytes: Uint8Array): Promise<DescriptorV2> {
  const encoding = descriptorLayerTypes[layer.mediaType];
  if (encoding === undefined) {
    throw new InvalidComponentVersionError(`${layer.mediaType} is not a component descriptor media type`);
  }
  const text = encoding === 'tar' ? await descriptorFromTar(bytes) : bytes;
  return parseDescriptor(text, { format: encoding === 'json' ? 'json' : 'yaml', strict: false });
}

async function descriptorFromTar(bytes: Uint8Array): Promise<Uint8Array> {
  const extract = tar.extract();
  const done = (async () => {
    let found: Uint8Array | undefined;
    for await (const entry of extract) {
      const name = entry.header.name.replace(/^\/+/, '').replace(/^\.\//, '');
      if (
        found === undefined &&
        name === 'component-descriptor.yaml' &&
        (entry.header.type ?? 'file') === 'file'
      ) {
        if ((entry.header.size ?? 0) > MAX_DESCRIPTOR_SIZE)
          throw new TooLargeError('component-descriptor.yaml', MAX_DESCRIPTOR_SIZE);
        const chunks: Buffer[] = [];
        for await (const c of entry) chunks.push(c as Buffer);
        found = Buffer.concat(chunks);
      } else entry.resume();
    }
    return found;
  })();
  extract.end(Buffer.from(bytes));
  let found: Uint8Array | undefined;
  try {
    found = await done;
  } catch (cause) {
    if (cause instanceof TooLargeError) throw cause;
    throw new InvalidComponentVersionError(
      `descriptor layer is not a readable tar: ${(cause as Error).message}`,
      { cause },
    );
  }
  if (!found) throw new InvalidComponentVersionError('descriptor layer holds no component-descriptor.yaml');
  return found;
}

export type DescriptorEncoding = 'yaml+tar' | 'json';

export interface EncodedBlob {
  readonly descriptor: Descriptor;
  readonly bytes: Uint8Array;
}

/** The descriptor layer as we write it: a one-entry tar of Go-style YAML (default), or JSON. */
export function encodeDescriptorLayer(
  descriptor: DescriptorV2,
  encoding: DescriptorEncoding = 'yaml+tar',
): EncodedBlob {
  if (encoding === 'json') {
    const bytes = Buffer.from(serialiseDescriptor(descriptor, { format: 'json' }));
    return {
      descriptor: { mediaType: OcmMediaType.DescriptorJson, digest: digestOf(bytes), size: bytes.byteLength },
      bytes,
    };
  }
  const bytes = singleFileTar(
    'component-descriptor.yaml',
    Buffer.from(serialiseDescriptor(descriptor, { format: 'yaml' })),
  );
  return {
    descriptor: {
      mediaType: OcmMediaType.DescriptorYamlTar,
      digest: digestOf(bytes),
      size: bytes.byteLength,
    },
    bytes,
  };
}

/** The config blob: compact JSON with the one key `componentDescriptorLayer`, as the Go writers make it. */
export function encodeComponentConfig(layer: Descriptor): EncodedBlob {
  const bytes = Buffer.from(
    JSON.stringify({
      componentDescriptorLayer: { mediaType: layer.mediaType, digest: layer.digest, size: layer.size },
    }),
  );
  return {
    descriptor: { mediaType: OcmMediaType.ComponentConfig, digest: digestOf(bytes), size: bytes.byteLength },
    bytes,
  };
}

/** One layer per distinct local blob, each annotated with every element that owns it. */
export interface LocalBlobLayer {
  readonly descriptor: Descriptor;
  readonly owners: readonly {
    readonly kind: 'resource' | 'source';
    readonly identity: Readonly<Record<string, string>>;
  }[];
}

export function encodeComponentManifest(
  component: string,
  version: string,
  config: Descriptor,
  descriptorLayer: Descriptor,
  blobs: readonly LocalBlobLayer[],
  creator = CREATOR,
): EncodedBlob {
  versionToTag(version);
  const manifest: ImageManifest = {
    schemaVersion: 2,
    mediaType: MediaType.ImageManifest,
    config,
    layers: [
      descriptorLayer,
      ...blobs.map((b) => ({
        mediaType: b.descriptor.mediaType,
        digest: b.descriptor.digest,
        size: b.descriptor.size,
        annotations: { [Annotation.Artifact]: JSON.stringify(b.owners) },
      })),
    ],
    annotations: { [Annotation.ComponentVersion]: `${component}:${version}`, [Annotation.Creator]: creator },
  };
  const bytes = encodeManifest(manifest);
  return {
    descriptor: { mediaType: MediaType.ImageManifest, digest: digestOf(bytes), size: bytes.byteLength },
    bytes,
  };
}

/**
 * The index form of a component version (docs/formats.md, index form): `manifests[0]` is the
 * descriptor manifest, the rest are the nested OCI artifacts; the annotations mirror the manifest's.
 */
export function encodeComponentIndex(
  component: string,
  version: string,
  descriptorManifest: Descriptor,
  nested: readonly Descriptor[],
  creator = CREATOR,
): EncodedBlob {
  const index: ImageIndex = {
    schemaVersion: 2,
    mediaType: MediaType.ImageIndex,
    manifests: [descriptorManifest, ...nested].map((d) => ({
      mediaType: d.mediaType,
      digest: d.digest,
      size: d.size,
    })),
    annotations: { [Annotation.ComponentVersion]: `${component}:${version}`, [Annotation.Creator]: creator },
  };
  const bytes = encodeManifest(index);
  return {
    descriptor: { mediaType: MediaType.ImageIndex, digest: digestOf(bytes), size: bytes.byteLength },
    bytes,
  };
}

/**
 * A tar holding one regular file, byte for byte as Go's archive/tar writes the descriptor layer:
 * USTAR header, mode/uid/gid 0, empty owner names, mtime 2022-01-01T00:00:00Z, data padded to 512
 * bytes, two zero blocks, then zero padding to the 10 KiB record... which Go does not write, so
 * neither do we. The same descriptor thus gives the same layer digest as the Go tools.
 */
export function singleFileTar(name: string, data: Uint8Array): Uint8Array {
  const header = Buffer.alloc(512);
  header.write(name, 0, 100, 'utf8');
  const octal = (value: number, width: number) => `${value.toString(8).padStart(width - 1, '0')}\0`;
  header.write(octal(0, 8), 100, 'latin1'); // mode
  header.write(octal(0, 8), 108, 'latin1'); // uid
  header.write(octal(0, 8), 116, 'latin1'); // gid
  header.write(octal(data.byteLength, 12), 124, 'latin1');
  header.write(octal(1640995200, 12), 136, 'latin1'); // mtime 2022-01-01T00:00:00Z
  header.write('        ', 148, 'latin1'); // checksum placeholder
  header.write('0', 156, 'latin1'); // regular file
  header.write('ustar\0', 257, 'latin1');
  header.write('00', 263, 'latin1');
  header.write(octal(0, 8), 329, 'latin1'); // devmajor
  header.write(octal(0, 8), 337, 'latin1'); // devminor
  let sum = 0;
  for (const byte of header) sum += byte;
  header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
  const padded = Math.ceil(data.byteLength / 512) * 512;
  const out = Buffer.alloc(512 + padded + 1024);
  header.copy(out, 0);
  Buffer.from(data).copy(out, 512);
  return out;
}
