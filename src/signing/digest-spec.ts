import {
  DEFAULT_NORMALISATION,
  isNormalisationAlgorithm,
  JSON_NORMALISATION_V1,
  NORMALISATION_ALGORITHMS,
  type NormalisationAlgorithm,
  normalise,
} from '../descriptor/normalisation/index.js';
import { parseDigest } from '../oci/digest.js';
import { InvalidDigestError } from '../oci/errors.js';
import { UnsupportedAlgorithmError } from './errors.js';
import {
  type Content,
  canonicalHashAlgorithm,
  type HashAlgorithm,
  hashContent,
  hashHex,
  SHA256,
} from './hash.js';

/**
 * A digest spec as descriptors store it (docs/formats.md, Signing): `value` is lower-case hex without an
 * algorithm prefix; `normalisationAlgorithm` names how the hashed bytes were obtained.
 */
export interface DigestSpec {
  readonly hashAlgorithm: string;
  readonly normalisationAlgorithm: string;
  readonly value: string;
}

/** Artifact normalisation: the hash of the blob bytes the access method returns. */
export const GENERIC_BLOB_DIGEST_V1 = 'genericBlobDigest/v1';
/** Artifact normalisation: the OCI manifest (or index) digest, however the artifact is archived. */
export const OCI_ARTIFACT_DIGEST_V1 = 'ociArtifactDigest/v1';
/** Normalisation name of a digest that deliberately leaves the content out of the signature. */
export const EXCLUDE_FROM_SIGNATURE = 'EXCLUDE-FROM-SIGNATURE';
export const NO_DIGEST = 'NO-DIGEST';

/** The digest spec of a resource whose content the signature does not cover. */
export const EXCLUDED_DIGEST: DigestSpec = Object.freeze({
  hashAlgorithm: NO_DIGEST,
  normalisationAlgorithm: EXCLUDE_FROM_SIGNATURE,
  value: NO_DIGEST,
});

export function isExcludedDigest(spec: DigestSpec): boolean {
  return spec.normalisationAlgorithm === EXCLUDE_FROM_SIGNATURE;
}

/**
 * Reads a digest spec from descriptor JSON. Returns `undefined` for `null`/absent; throws
 * `InvalidDigestError` unless all three members are strings.
 */
export function readDigestSpec(value: unknown, what: string): DigestSpec | undefined {
  if (value === undefined || value === null) return undefined;
  const spec = value as Record<string, unknown>;
  if (
    typeof value !== 'object' ||
    typeof spec.hashAlgorithm !== 'string' ||
    typeof spec.normalisationAlgorithm !== 'string' ||
    typeof spec.value !== 'string'
  ) {
    throw new InvalidDigestError(
      `${what}: a digest spec needs string hashAlgorithm, normalisationAlgorithm and value`,
    );
  }
  return {
    hashAlgorithm: spec.hashAlgorithm,
    normalisationAlgorithm: spec.normalisationAlgorithm,
    value: spec.value,
  };
}

/**
 * True when both specs name the same normalisation and the same hash (legacy spellings count as
 * equal) with the same value (compared case-insensitively, as hex).
 */
export function sameDigest(a: DigestSpec, b: DigestSpec): boolean {
  if (a.normalisationAlgorithm !== b.normalisationAlgorithm) return false;
  if (isExcludedDigest(a) || isExcludedDigest(b)) return isExcludedDigest(a) && isExcludedDigest(b);
  try {
    return (
      canonicalHashAlgorithm(a.hashAlgorithm) === canonicalHashAlgorithm(b.hashAlgorithm) &&
      a.value.toLowerCase() === b.value.toLowerCase()
    );
  } catch {
    return false;
  }
}

export interface HashOptions {
  /** Default `SHA-256`. */
  readonly hash?: string;
  readonly signal?: AbortSignal;
}

/** `genericBlobDigest/v1` of content held in memory or streamed (see `hashContent`). */
export async function genericBlobDigest(content: Content, options: HashOptions = {}): Promise<DigestSpec> {
  const hash = canonicalHashAlgorithm(options.hash ?? SHA256);
  return {
    hashAlgorithm: hash,
    normalisationAlgorithm: GENERIC_BLOB_DIGEST_V1,
    value: await hashContent(content, hash, options.signal),
  };
}

/**
 * `genericBlobDigest/v1` from the OCI digest (`sha256:<hex>`, `sha512:<hex>`) of a blob whose bytes
 * were hashed already (when stored or measured): the same value, without reading the content again.
 * Throws `InvalidDigestError` for a malformed digest.
 */
export function genericBlobDigestOf(blobDigest: string): DigestSpec {
  const { algorithm, encoded } = parseDigest(blobDigest);
  return {
    hashAlgorithm: canonicalHashAlgorithm(algorithm),
    normalisationAlgorithm: GENERIC_BLOB_DIGEST_V1,
    value: encoded,
  };
}

/**
 * `ociArtifactDigest/v1` from the digest of an OCI manifest or index (`sha256:<hex>`), which the
 * caller obtained from the registry or archive. Throws `InvalidDigestError` for a malformed digest.
 */
export function ociArtifactDigest(manifestDigest: string): DigestSpec {
  const { algorithm, encoded } = parseDigest(manifestDigest);
  return {
    hashAlgorithm: canonicalHashAlgorithm(algorithm),
    normalisationAlgorithm: OCI_ARTIFACT_DIGEST_V1,
    value: encoded,
  };
}

export interface DescriptorDigestOptions {
  /** Default `jsonNormalisation/v4alpha1`. */
  readonly normalisation?: string;
  /** Default `SHA-256`. */
  readonly hash?: string;
  /** jsonNormalisation/v1 only: see `NormaliseOptions.v1ExtraIdentityNull`. Default `true`. */
  readonly v1ExtraIdentityNull?: boolean;
}

/** A descriptor digest together with the bytes it was computed from (what an RSA signature signs). */
export interface NormalisedDigest {
  readonly digest: DigestSpec;
  readonly normalised: Uint8Array;
  readonly hash: HashAlgorithm;
}

/** Normalises a descriptor (plain v2 JSON) and hashes it. */
export function digestDescriptor(
  descriptor: unknown,
  options: DescriptorDigestOptions = {},
): NormalisedDigest {
  const normalisation = checkNormalisation(options.normalisation ?? DEFAULT_NORMALISATION);
  const hash = canonicalHashAlgorithm(options.hash ?? SHA256);
  const normalised = normalise(descriptor, normalisation, {
    v1ExtraIdentityNull: options.v1ExtraIdentityNull ?? true,
  });
  return {
    digest: { hashAlgorithm: hash, normalisationAlgorithm: normalisation, value: hashHex(normalised, hash) },
    normalised,
    hash,
  };
}

/** The digest spec of a component descriptor under the given normalisation and hash. */
export function descriptorDigest(descriptor: unknown, options: DescriptorDigestOptions = {}): DigestSpec {
  return digestDescriptor(descriptor, options).digest;
}

/**
 * Recomputes a descriptor digest the way `stored` says it was made and reports whether it matches.
 * For jsonNormalisation/v1 both historical variants are tried (docs/formats.md, Normalisation).
 * `result` is the matching computation, or the current variant's when none matches.
 */
export function recomputeDescriptorDigest(
  descriptor: unknown,
  stored: DigestSpec,
): { matches: boolean; result: NormalisedDigest } {
  const options = { normalisation: stored.normalisationAlgorithm, hash: stored.hashAlgorithm };
  const variants = stored.normalisationAlgorithm === JSON_NORMALISATION_V1 ? [true, false] : [true];
  let first: NormalisedDigest | undefined;
  for (const v1ExtraIdentityNull of variants) {
    const result = digestDescriptor(descriptor, { ...options, v1ExtraIdentityNull });
    first ??= result;
    if (sameDigest(result.digest, stored)) return { matches: true, result };
  }
  return { matches: false, result: first! };
}

function checkNormalisation(name: string): NormalisationAlgorithm {
  if (!isNormalisationAlgorithm(name)) {
    throw new UnsupportedAlgorithmError('normalisation algorithm', name, NORMALISATION_ALGORITHMS);
  }
  return name;
}
