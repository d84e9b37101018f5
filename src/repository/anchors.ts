/**
 * Anchor tags keep the manifests below an index-form component version alive through a registry's
 * garbage collection. CNCF Distribution 2.8's `garbage-collect --delete-untagged` keeps only manifests
 * that a tag names: it marks the manifests an index lists as blobs but deletes them as untagged
 * manifests, and never marks their layers, so the index is left pointing at nothing
 * (https://github.com/distribution/distribution/blob/v2.8.2/registry/storage/garbagecollect.go;
 * Distribution 3 follows indexes).
 * Each manifest below the index therefore gets a reserved tag named after its digest, `_ocm.keep.*`
 * (docs/formats.md, "Garbage collection on a registry"). The name depends only on the content, so
 * writers never disagree about it and it never moves; ocm-ts never lists it as a version or an alias
 * (names starting with `_ocm` are reserved, see aliases.ts) and never removes it.
 */
import { fetchAll } from '../oci/content/read.js';
import type { OperationOptions, Store } from '../oci/content/storage.js';
import type { Descriptor } from '../oci/descriptor.js';
import { parseDigest } from '../oci/digest.js';
import { isImageIndex, MAX_MANIFEST_SIZE, parseManifest } from '../oci/manifest.js';
import { isIndexType, isManifestType } from '../oci/mediatype.js';

export const ANCHOR_TAG_PREFIX = '_ocm.keep.';

/** `_ocm.keep.<algorithm>.<hex>`, cut to the 128 characters a tag may have (a sha512 keeps 111 hex digits). */
export function anchorTag(digest: string): string {
  const { algorithm, encoded } = parseDigest(digest);
  return `${ANCHOR_TAG_PREFIX}${algorithm}.${encoded}`.slice(0, 128);
}

/**
 * Tags every manifest in `manifests` with its anchor tag, and, for an index among them, every
 * manifest below it. The manifests must be stored already.
 */
export async function anchorManifests(
  store: Store,
  manifests: readonly Descriptor[],
  options: OperationOptions = {},
): Promise<void> {
  for (const d of manifests) {
    if (!isManifestType(d.mediaType)) continue;
    await store.tag(d, anchorTag(d.digest), options);
    if (isIndexType(d.mediaType)) await anchorBelow(store, d, options);
  }
}

/** Anchors every manifest below `top` when it is an index; does nothing for an image manifest. */
export async function anchorBelow(
  store: Store,
  top: Descriptor,
  options: OperationOptions = {},
): Promise<void> {
  if (!isIndexType(top.mediaType)) return;
  const index = parseManifest(
    await fetchAll(store, top, { ...options, maxSize: MAX_MANIFEST_SIZE }),
    top.mediaType,
  );
  if (isImageIndex(index)) await anchorManifests(store, index.manifests, options);
}
