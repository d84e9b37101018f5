import { randomBytes } from 'node:crypto';
import type { Descriptor } from '../../src/oci/descriptor.js';
import { digestOf } from '../../src/oci/digest.js';
import { encodeManifest, type ImageIndex, type ImageManifest } from '../../src/oci/manifest.js';
import { MediaType } from '../../src/oci/mediatype.js';

export interface Blob {
  readonly descriptor: Descriptor;
  readonly bytes: Uint8Array;
}

export function blob(content: Uint8Array | string, mediaType: string = MediaType.OctetStream): Blob {
  const bytes = typeof content === 'string' ? new TextEncoder().encode(content) : content;
  return { descriptor: { mediaType, digest: digestOf(bytes), size: bytes.byteLength }, bytes };
}

export function randomBlob(size: number): Blob {
  return blob(randomBytes(size));
}

/** A small image manifest over `layers`, with a unique annotation so every call gives a new digest. */
export function manifest(
  layers: readonly Blob[],
  config: Blob = blob('{}', MediaType.Empty),
  note?: string,
): Blob {
  const m: ImageManifest = {
    schemaVersion: 2,
    mediaType: MediaType.ImageManifest,
    config: config.descriptor,
    layers: layers.map((l) => l.descriptor),
    annotations: { 'test.note': note ?? randomBytes(8).toString('hex') },
  };
  return blob(encodeManifest(m), MediaType.ImageManifest);
}

export function imageIndex(manifests: readonly Blob[]): Blob {
  const i: ImageIndex = {
    schemaVersion: 2,
    mediaType: MediaType.ImageIndex,
    manifests: manifests.map((m) => m.descriptor),
  };
  return blob(encodeManifest(i), MediaType.ImageIndex);
}

export async function collect<T>(pages: AsyncIterable<readonly T[]>): Promise<T[]> {
  const out: T[] = [];
  for await (const page of pages) out.push(...page);
  return out;
}

export async function collectFlat<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}
