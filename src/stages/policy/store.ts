/**
 * Where a stages document lives: in the component's own OCI repository
 * (`component-descriptors/<component>`) under the reserved tag `_ocm.stages`, as a small OCI
 * artifact: an image manifest whose config has its own media type and whose single layer is the
 * document exactly as written (so its digest is that of the user's file). Every user of the
 * repository reads the same rules, and they travel with the component.
 */
import { NotFoundError } from '../../errors.js';
import { fetchAll, fetchManifest } from '../../oci/content/read.js';
import type { OperationOptions, Store } from '../../oci/content/storage.js';
import type { Descriptor } from '../../oci/descriptor.js';
import { digestOf, parseDigest } from '../../oci/digest.js';
import { encodeManifest, type ImageManifest, parseManifest } from '../../oci/manifest.js';
import { MediaType } from '../../oci/mediatype.js';
import type { OcmRepository } from '../../repository/repository.js';
import { MAX_STAGES_DOCUMENT_SIZE, parseStagesDocument, type StagesDocument } from './document.js';
import { InvalidStagePolicyError } from './errors.js';

export const STAGES_TAG = '_ocm.stages';

export const StagesMediaType = {
  Config: 'application/vnd.ocm.software.stages.config.v1+json',
  Document: 'application/vnd.ocm.software.stages.v1+yaml',
} as const;

export interface StoredStagesDocument extends StagesDocument {
  /** Digest of the manifest `_ocm.stages` names. */
  readonly manifestDigest: string;
}

/** The artifact for a document: config, layer and manifest, each with its bytes. */
export function encodeStagesArtifact(doc: StagesDocument): {
  config: { descriptor: Descriptor; bytes: Uint8Array };
  layer: { descriptor: Descriptor; bytes: Uint8Array };
  manifest: { descriptor: Descriptor; bytes: Uint8Array };
} {
  const configBytes = new TextEncoder().encode(
    JSON.stringify({ stages: doc.policy.stages.map((s) => s.name) }),
  );
  const config = {
    descriptor: {
      mediaType: StagesMediaType.Config,
      digest: digestOf(configBytes),
      size: configBytes.byteLength,
    },
    bytes: configBytes,
  };
  const layer = {
    descriptor: { mediaType: StagesMediaType.Document, digest: doc.digest, size: doc.bytes.byteLength },
    bytes: doc.bytes,
  };
  const manifest: ImageManifest = {
    schemaVersion: 2,
    mediaType: MediaType.ImageManifest,
    artifactType: StagesMediaType.Config,
    config: config.descriptor,
    layers: [layer.descriptor],
  };
  const bytes = encodeManifest(manifest);
  return {
    config,
    layer,
    manifest: {
      descriptor: { mediaType: MediaType.ImageManifest, digest: digestOf(bytes), size: bytes.byteLength },
      bytes,
    },
  };
}

/**
 * Pushes the document's artifact and points `_ocm.stages` at it: blobs first, manifest, tag last, so
 * the tag never names something incomplete. The caller runs this inside `repository.batch` so that a
 * CTF commits it (with the history event) in one index write.
 */
export async function writeStagesDocument(
  store: Store,
  doc: StagesDocument,
  options: OperationOptions = {},
): Promise<Descriptor> {
  const artifact = encodeStagesArtifact(doc);
  await store.push(artifact.config.descriptor, artifact.config.bytes, options);
  await store.push(artifact.layer.descriptor, artifact.layer.bytes, options);
  await store.push(artifact.manifest.descriptor, artifact.manifest.bytes, options);
  await store.tag(artifact.manifest.descriptor, STAGES_TAG, options);
  return artifact.manifest.descriptor;
}

/**
 * The stored document, or undefined when the component has none. Costs two requests on a
 * registry (manifest, layer). A stored artifact that is not a stages document, or a document that
 * no longer passes the rules, is an `InvalidStagePolicyError`.
 */
export async function readStagesDocument(
  store: Store,
  options: OperationOptions = {},
): Promise<StoredStagesDocument | undefined> {
  let descriptor: Descriptor;
  let bytes: Uint8Array;
  try {
    ({ descriptor, bytes } = await fetchManifest(store, STAGES_TAG, options));
  } catch (err) {
    if (err instanceof NotFoundError) return undefined;
    throw err;
  }
  if (digestOf(bytes, parseDigest(descriptor.digest).algorithm) !== descriptor.digest) {
    throw new InvalidStagePolicyError([
      { path: '', message: `the manifest of ${STAGES_TAG} does not match its digest ${descriptor.digest}` },
    ]);
  }
  const manifest = parseManifest(bytes, descriptor.mediaType);
  const layer = 'layers' in manifest ? manifest.layers[0] : undefined;
  if (
    !('config' in manifest) ||
    manifest.config.mediaType !== StagesMediaType.Config ||
    manifest.layers.length !== 1 ||
    layer === undefined
  ) {
    throw new InvalidStagePolicyError([
      { path: '', message: `${STAGES_TAG} names an artifact that is not a stages document` },
    ]);
  }
  const content = await fetchAll(store, layer, { ...options, maxSize: MAX_STAGES_DOCUMENT_SIZE });
  return { ...parseStagesDocument(content), manifestDigest: descriptor.digest };
}

/** The stages document of a component, or undefined when it has none. */
export function getStagePolicy(
  repository: OcmRepository,
  component: string,
  options: OperationOptions = {},
): Promise<StoredStagesDocument | undefined> {
  return readStagesDocument(repository.ociStore(component), options);
}

export interface SetStagePolicyOptions extends OperationOptions {
  /** Why (`-m`), kept with the history's `policy` event. */
  readonly message?: string;
  /** Who (`--by`); self-declared. */
  readonly actor?: string;
}

export interface SetStagePolicyResult {
  readonly component: string;
  /** SHA-256 of the document as written. */
  readonly digest: string;
  readonly manifestDigest: string;
  /** The digest of the document it replaced, if any. */
  readonly previous?: string;
  /** `unchanged` when the same document was stored already (nothing written, nothing recorded). */
  readonly status: 'set' | 'unchanged';
}

/**
 * Checks the document (nothing is written when it is invalid: `InvalidStagePolicyError`) and stores
 * it under `_ocm.stages`, recording a `policy` event with its digest. On a CTF the artifact, the tag
 * and the event are one index write.
 */
export async function setStagePolicy(
  repository: OcmRepository,
  component: string,
  document: Uint8Array | string | StagesDocument,
  options: SetStagePolicyOptions = {},
): Promise<SetStagePolicyResult> {
  const doc =
    typeof document === 'string' || document instanceof Uint8Array ? parseStagesDocument(document) : document;
  const op = options.signal ? { signal: options.signal } : {};
  repository.repositoryOf(component);
  return repository.batch(async (repo) => {
    const store = repo.ociStore(component);
    let previous: StoredStagesDocument | undefined;
    try {
      previous = await readStagesDocument(store, op);
    } catch (err) {
      // A broken stored document is replaced, not a reason to refuse a good one.
      if (!(err instanceof InvalidStagePolicyError)) throw err;
    }
    const artifact = encodeStagesArtifact(doc);
    if (previous?.manifestDigest === artifact.manifest.descriptor.digest) {
      return {
        component,
        digest: doc.digest,
        manifestDigest: previous.manifestDigest,
        status: 'unchanged' as const,
      };
    }
    const manifest = await writeStagesDocument(store, doc, op);
    await repo.recordPolicyChange(
      component,
      { document: doc.digest, ...(previous === undefined ? {} : { details: { previous: previous.digest } }) },
      {
        ...op,
        ...(options.message === undefined ? {} : { message: options.message }),
        ...(options.actor === undefined ? {} : { actor: options.actor }),
      },
    );
    return {
      component,
      digest: doc.digest,
      manifestDigest: manifest.digest,
      ...(previous === undefined ? {} : { previous: previous.digest }),
      status: 'set' as const,
    };
  }, op);
}
