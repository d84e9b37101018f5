import {
  type DigestSpec,
  GENERIC_BLOB_DIGEST_V1,
  genericBlobDigest,
  isExcludedDigest,
  OCI_ARTIFACT_DIGEST_V1,
  readDigestSpec,
  sameDigest,
} from './digest-spec.js';
import { ElementDigestMismatchError, MissingDigestError, UnsupportedAlgorithmError } from './errors.js';
import type { Content } from './hash.js';
import { elementIdentity } from './identity.js';

/** The digest a resource (plain v2 JSON) stores; throws `MissingDigestError` when it has none. */
export function storedResourceDigest(resource: unknown): DigestSpec {
  const identity = elementIdentity(resource);
  const spec = readDigestSpec(
    (resource as { digest?: unknown } | null)?.digest,
    `resource ${JSON.stringify(identity)}`,
  );
  if (spec === undefined) throw new MissingDigestError('resource', identity);
  return spec;
}

/**
 * Compares a resource's stored digest with one computed from its content elsewhere (for
 * `ociArtifactDigest/v1`, the manifest digest the repository layer resolved). Throws
 * `ElementDigestMismatchError` naming the resource identity, stored and computed digests.
 *
 * ocm2 records OCI artifacts as `genericBlobDigest/v1` with the manifest digest as value (spec
 * section 4.2), so a computed `ociArtifactDigest/v1` also matches a stored `genericBlobDigest/v1`
 * of equal hash and value: equal values mean equal hashed bytes, so nothing unchecked slips through.
 */
export function checkResourceDigest(resource: unknown, computed: DigestSpec): void {
  const stored = storedResourceDigest(resource);
  const ocm2Form =
    stored.normalisationAlgorithm === GENERIC_BLOB_DIGEST_V1 &&
    computed.normalisationAlgorithm === OCI_ARTIFACT_DIGEST_V1;
  const comparable = ocm2Form ? { ...computed, normalisationAlgorithm: GENERIC_BLOB_DIGEST_V1 } : computed;
  if (!sameDigest(stored, comparable)) {
    throw new ElementDigestMismatchError('resource', elementIdentity(resource), { stored, computed });
  }
}

/**
 * Checks a resource's stored `genericBlobDigest/v1` against its content, streaming when `content`
 * is a stream (which is consumed). Returns the stored spec. A digest `EXCLUDE-FROM-SIGNATURE`
 * passes without reading the content: the signature does not cover it.
 *
 * Throws `MissingDigestError`, `ElementDigestMismatchError` (naming the resource identity),
 * `UnsupportedAlgorithmError` for `ociArtifactDigest/v1` (the digest of an OCI artifact is its
 * manifest digest, which only the storage layer can determine: use `checkResourceDigest`).
 */
export async function verifyResourceDigest(
  resource: unknown,
  content: Content,
  options: { readonly signal?: AbortSignal } = {},
): Promise<DigestSpec> {
  const stored = storedResourceDigest(resource);
  if (isExcludedDigest(stored)) return stored;
  if (stored.normalisationAlgorithm !== GENERIC_BLOB_DIGEST_V1) {
    throw new UnsupportedAlgorithmError(
      'resource digest normalisation for blob content',
      stored.normalisationAlgorithm,
      [GENERIC_BLOB_DIGEST_V1],
    );
  }
  const computed = await genericBlobDigest(content, {
    hash: stored.hashAlgorithm,
    ...(options.signal === undefined ? {} : { signal: options.signal }),
  });
  if (!sameDigest(stored, computed)) {
    throw new ElementDigestMismatchError('resource', elementIdentity(resource), { stored, computed });
  }
  return stored;
}
