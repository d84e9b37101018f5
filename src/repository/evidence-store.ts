/**
 * Where evidence lives (docs/formats.md, Evidence): each DSSE envelope is one immutable OCI image
 * manifest in the component's repository (config: a constant blob; one layer: the envelope as
 * written), named by a reserved tag unique to its content:
 *
 *   _ocm.att.<first 32 hex of the subject's normalised digest>.<64 hex of the envelope's SHA-256>.<envelope size>
 *
 * Two writers never write the same tag, so concurrent attestations cannot lose each other, and there
 * is no read-modify-write anywhere. Listing the evidence of a subject is one listing of the tags plus
 * one GET of each envelope blob (by the digest and size in its tag; from the content cache when warm).
 * It lives in repository/ (beside the anchor tags) because transfer copies it; writing and reading
 * the statements inside is `stages/evidence`.
 */
import { NotFoundError, OcmError } from '../errors.js';
import { mapLimit } from '../oci/concurrency.js';
import { fetchAll } from '../oci/content/read.js';
import type { OperationOptions, Store } from '../oci/content/storage.js';
import type { Descriptor } from '../oci/descriptor.js';
import { digestOf } from '../oci/digest.js';
import { encodeManifest, type ImageManifest } from '../oci/manifest.js';
import { MediaType } from '../oci/mediatype.js';
import { listTags } from './resolve.js';

export const EVIDENCE_TAG_PREFIX = '_ocm.att.';

export const EvidenceMediaType = {
  Config: 'application/vnd.ocm.software.evidence.config.v1+json',
  Envelope: 'application/vnd.dsse.envelope.v1+json',
} as const;

/** Annotations of an evidence manifest: a quick look for plain OCI clients, never trusted. */
export const EvidenceAnnotation = {
  Subject: 'software.ocm.evidence.subject',
  PredicateType: 'software.ocm.evidence.predicate-type',
  Name: 'software.ocm.evidence.name',
  Stage: 'software.ocm.evidence.stage',
  Result: 'software.ocm.evidence.result',
  Time: 'software.ocm.evidence.time',
} as const;

/** Largest envelope accepted. */
export const MAX_ENVELOPE_SIZE = 1024 * 1024;

const CONFIG_BYTES = new TextEncoder().encode('{}');
const CONFIG: Descriptor = {
  mediaType: EvidenceMediaType.Config,
  digest: digestOf(CONFIG_BYTES),
  size: CONFIG_BYTES.byteLength,
};

/** The tag prefix of every envelope about the subject whose normalised digest is `subjectHex`. */
export function evidenceTagPrefix(subjectHex: string): string {
  return `${EVIDENCE_TAG_PREFIX}${subjectHex.slice(0, 32)}.`;
}

export function evidenceTag(subjectHex: string, envelope: Descriptor): string {
  return `${evidenceTagPrefix(subjectHex)}${envelope.digest.slice('sha256:'.length)}.${envelope.size}`;
}

const TAG = /^_ocm\.att\.([0-9a-f]{32})\.([0-9a-f]{64})\.([1-9][0-9]{0,7})$/;

/** The envelope blob a tag names, or undefined when the tag is not an evidence tag. */
export function envelopeOfTag(tag: string): { subjectPrefix: string; envelope: Descriptor } | undefined {
  const m = TAG.exec(tag);
  if (!m) return undefined;
  return {
    subjectPrefix: m[1]!,
    envelope: { mediaType: EvidenceMediaType.Envelope, digest: `sha256:${m[2]}`, size: Number(m[3]) },
  };
}

/** The manifest that stores one envelope, with its bytes. */
export function encodeEvidenceArtifact(
  envelope: Uint8Array,
  annotations: Readonly<Record<string, string>>,
): { layer: Descriptor; manifest: { descriptor: Descriptor; bytes: Uint8Array } } {
  const layer: Descriptor = {
    mediaType: EvidenceMediaType.Envelope,
    digest: digestOf(envelope),
    size: envelope.byteLength,
  };
  const manifest: ImageManifest = {
    schemaVersion: 2,
    mediaType: MediaType.ImageManifest,
    artifactType: EvidenceMediaType.Envelope,
    config: CONFIG,
    layers: [layer],
    annotations: { ...annotations },
  };
  const bytes = encodeManifest(manifest);
  return {
    layer,
    manifest: {
      descriptor: { mediaType: MediaType.ImageManifest, digest: digestOf(bytes), size: bytes.byteLength },
      bytes,
    },
  };
}

/**
 * Stores one envelope: config, envelope blob and manifest first, the tag last, so the tag never names
 * something incomplete. Writing the same envelope twice writes the same tag to the same manifest.
 */
export async function writeEvidence(
  store: Store,
  subjectHex: string,
  envelope: Uint8Array,
  annotations: Readonly<Record<string, string>>,
  options: OperationOptions = {},
): Promise<{ tag: string; envelope: Descriptor; manifest: Descriptor }> {
  if (envelope.byteLength > MAX_ENVELOPE_SIZE)
    throw new OcmError(
      'EVIDENCE_TOO_LARGE',
      `the envelope is ${envelope.byteLength} bytes; at most ${MAX_ENVELOPE_SIZE}`,
      {
        hint: 'evidence is a summary: keep large reports elsewhere and name their URL or digest in the predicate',
      },
    );
  const artifact = encodeEvidenceArtifact(envelope, annotations);
  await store.push(CONFIG, CONFIG_BYTES, options);
  await store.push(artifact.layer, envelope, options);
  await store.push(artifact.manifest.descriptor, artifact.manifest.bytes, options);
  const tag = evidenceTag(subjectHex, artifact.layer);
  await store.tag(artifact.manifest.descriptor, tag, options);
  return { tag, envelope: artifact.layer, manifest: artifact.manifest.descriptor };
}

/** One stored envelope as read: its bytes, or why they could not be read. */
export interface StoredEnvelope {
  readonly tag: string;
  /** The envelope blob (digest and size from the tag). */
  readonly envelope: Descriptor;
  readonly bytes?: Uint8Array;
  readonly problem?: string;
}

/** Every evidence tag of the store about `subjectHex` (any order: registries do not sort tags reliably). */
export function evidenceTagsOf(tags: readonly string[], subjectHex: string): string[] {
  const prefix = evidenceTagPrefix(subjectHex);
  return [...new Set(tags.filter((t) => t.startsWith(prefix)))].sort();
}

/**
 * The envelopes stored about `subjectHex`: one listing of the tags, then one GET of each envelope blob
 * (`concurrency` at a time). A tag whose blob is missing or does not match is listed with `problem`.
 */
export async function readEvidence(
  store: Store,
  subjectHex: string,
  options: OperationOptions & { readonly concurrency?: number; readonly tags?: readonly string[] } = {},
): Promise<StoredEnvelope[]> {
  const tags = evidenceTagsOf(options.tags ?? (await listTags(store, options)), subjectHex);
  return mapLimit(tags, options.concurrency ?? 8, async (tag): Promise<StoredEnvelope> => {
    const { envelope } = envelopeOfTag(tag)!;
    try {
      const bytes = await fetchAll(store, envelope, { ...options, maxSize: MAX_ENVELOPE_SIZE });
      return { tag, envelope, bytes };
    } catch (err) {
      if (!(err instanceof OcmError) || err.code.startsWith('REGISTRY_')) throw err;
      return {
        tag,
        envelope,
        problem: err instanceof NotFoundError ? 'the envelope blob is missing' : err.message,
      };
    }
  });
}

/**
 * Copies the evidence about `subjectHex` (tags, manifests, blobs) from one store to another, skipping
 * tags the target has: one listing of the tags on each side, then 3 reads and 4 writes per envelope.
 * Returns how many envelopes it copied.
 */
export async function copyEvidence(
  from: Store,
  to: Store,
  subjectHex: string,
  options: OperationOptions = {},
): Promise<number> {
  const tags = evidenceTagsOf(await listTags(from, options), subjectHex);
  if (tags.length === 0) return 0;
  const present = new Set(await listTags(to, options));
  let copied = 0;
  for (const tag of tags) {
    if (present.has(tag)) continue;
    const parsed = envelopeOfTag(tag);
    if (!parsed) continue;
    const bytes = await fetchAll(from, parsed.envelope, { ...options, maxSize: MAX_ENVELOPE_SIZE });
    const manifest = await from.resolve(tag, options);
    const manifestBytes = await fetchAll(from, manifest, options);
    await to.push(CONFIG, CONFIG_BYTES, options);
    await to.push(parsed.envelope, bytes, options);
    await to.push(manifest, manifestBytes, options);
    await to.tag(manifest, tag, options);
    copied++;
  }
  return copied;
}
