import {
  DEFAULT_NORMALISATION,
  isPlainObject,
  NormalisationError,
} from '../descriptor/normalisation/index.js';
import {
  type DigestSpec,
  digestDescriptor,
  readDigestSpec,
  recomputeDescriptorDigest,
} from './digest-spec.js';
import {
  AmbiguousSignatureError,
  DescriptorDigestMismatchError,
  MissingDigestError,
  SignatureNotFoundError,
  SignatureVerificationError,
} from './errors.js';
import { SHA256 } from './hash.js';
import { cloneDescriptor, componentOf, elementIdentity, listOf } from './identity.js';
import {
  type KeyInput,
  RSASSA_PSS,
  type SignatureEncoding,
  type SignatureSpec,
  signMessage,
  verifyMessage,
} from './rsa.js';

export interface SignDescriptorOptions {
  /** The signature name; a signature of that name is replaced, others are kept. */
  readonly name: string;
  readonly privateKey: KeyInput;
  /** `RSASSA-PSS` (default) or `RSASSA-PKCS1-V1_5`. */
  readonly algorithm?: string;
  /** Default `jsonNormalisation/v4alpha1`. */
  readonly normalisation?: string;
  /** Default `SHA-256`; `sha256`/`sha512` are accepted and written as `SHA-256`/`SHA-512`. */
  readonly hash?: string;
  /** Default `hex` (media type per algorithm); `pem` writes `application/x-pem-file`. */
  readonly encoding?: SignatureEncoding;
  readonly issuer?: string;
  /**
   * Refuse to sign unless every resource with content (access type other than `none`) and every
   * component reference carries a digest, as ocm2 does: a signature over a descriptor without
   * them says nothing about the content. Default `true`.
   */
  readonly requireDigests?: boolean;
}

/** One entry of `signatures[]`. */
export interface DescriptorSignature {
  readonly name: string;
  readonly digest: DigestSpec;
  readonly signature: SignatureSpec;
}

/**
 * Signs a component descriptor (plain v2 JSON) and returns a new descriptor with the signature
 * added, or replacing the one of the same name in place. The input is not modified. Resource and
 * reference digests are taken as stored: compute and check them first (`digestReferences`,
 * `verifyResourceDigest`).
 */
export function signDescriptor(descriptor: unknown, options: SignDescriptorOptions): Record<string, unknown> {
  if (!isPlainObject(descriptor))
    throw new NormalisationError('', 'a component descriptor must be an object');
  if (options.requireDigests ?? true) assertDigestsPresent(descriptor);
  const { digest, normalised, hash } = digestDescriptor(descriptor, {
    normalisation: options.normalisation ?? DEFAULT_NORMALISATION,
    hash: options.hash ?? SHA256,
  });
  const signature = signMessage(normalised, options.privateKey, {
    algorithm: options.algorithm ?? RSASSA_PSS,
    hash,
    encoding: options.encoding ?? 'hex',
    ...(options.issuer === undefined ? {} : { issuer: options.issuer }),
  });
  const entry: DescriptorSignature = { name: options.name, digest, signature };
  const signed = cloneDescriptor(descriptor);
  const existing = Array.isArray(signed.signatures) ? signed.signatures : [];
  const index = existing.findIndex((s: unknown) => isPlainObject(s) && s.name === options.name);
  signed.signatures =
    index < 0 ? [...existing, entry] : existing.map((s: unknown, i: number) => (i === index ? entry : s));
  return signed;
}

export interface VerifyDescriptorOptions {
  /** The signature to check; may be omitted when the descriptor carries exactly one. */
  readonly name?: string;
  readonly publicKey: KeyInput;
}

/**
 * Verifies one named signature of a descriptor: recomputes the normalised digest the way the
 * signature's digest spec says (jsonNormalisation/v1: both historical variants), compares it with
 * the stored digest, then checks the RSA signature over it. Returns the verified entry.
 *
 * Throws `SignatureNotFoundError`, `AmbiguousSignatureError` (several signatures, no name),
 * `DescriptorDigestMismatchError` (stored vs computed digest: a signed field changed),
 * `SignatureVerificationError` (wrong key or tampered signature), `UnsupportedAlgorithmError`.
 * Resource content and referenced versions are not checked here (`verifyResourceDigest`,
 * `verifyReferenceDigests`): a valid signature vouches for the digests as stored.
 */
export function verifyDescriptor(descriptor: unknown, options: VerifyDescriptorOptions): DescriptorSignature {
  const entry = findSignature(descriptor, options.name);
  const { matches, result } = recomputeDescriptorDigest(descriptor, entry.digest);
  if (!matches) {
    throw new DescriptorDigestMismatchError(entry.name, { stored: entry.digest, computed: result.digest });
  }
  verifyMessage(result.normalised, entry.signature, options.publicKey, {
    hash: result.hash,
    signatureName: entry.name,
  });
  return entry;
}

/** The signature entries of a descriptor, validated. */
export function listSignatures(descriptor: unknown): DescriptorSignature[] {
  return rawSignatures(descriptor).map((raw, i) => readSignature(raw, i));
}

function rawSignatures(descriptor: unknown): unknown[] {
  return isPlainObject(descriptor) && Array.isArray(descriptor.signatures) ? descriptor.signatures : [];
}

/** Only the chosen entry is validated: a malformed foreign signature must not block this one. */
function findSignature(descriptor: unknown, name: string | undefined): DescriptorSignature {
  const raw = rawSignatures(descriptor);
  const names = raw.map((s, i) => (isPlainObject(s) && typeof s.name === 'string' ? s.name : `#${i}`));
  if (name === undefined && raw.length > 1) throw new AmbiguousSignatureError(names);
  const index = name === undefined ? raw.length - 1 : names.indexOf(name);
  if (index < 0) throw new SignatureNotFoundError(name, names);
  return readSignature(raw[index], index);
}

function readSignature(raw: unknown, index: number): DescriptorSignature {
  const entry = isPlainObject(raw) ? raw : {};
  const name = typeof entry.name === 'string' ? entry.name : `#${index}`;
  const digest = readDigestSpec(entry.digest, `signature ${JSON.stringify(name)}`);
  const signature = entry.signature;
  if (
    digest === undefined ||
    !isPlainObject(signature) ||
    typeof signature.algorithm !== 'string' ||
    typeof signature.value !== 'string' ||
    typeof signature.mediaType !== 'string'
  ) {
    throw new SignatureVerificationError(
      name,
      'the entry needs a digest and a signature {algorithm, value, mediaType}',
    );
  }
  return {
    name,
    digest,
    signature: {
      algorithm: signature.algorithm,
      value: signature.value,
      mediaType: signature.mediaType,
      ...(typeof signature.issuer === 'string' ? { issuer: signature.issuer } : {}),
    },
  };
}

function assertDigestsPresent(descriptor: unknown): void {
  const component = componentOf(descriptor);
  for (const resource of listOf(component, 'resources')) {
    if (!isPlainObject(resource)) continue;
    const access = resource.access;
    const withContent = isPlainObject(access) && access.type !== 'none' && access.type !== 'None';
    if (withContent && (resource.digest === undefined || resource.digest === null)) {
      throw new MissingDigestError('resource', elementIdentity(resource), {
        hint: 'Compute resource digests (genericBlobDigest/v1, ociArtifactDigest/v1) before signing.',
      });
    }
  }
  for (const reference of listOf(component, 'componentReferences')) {
    if (isPlainObject(reference) && (reference.digest === undefined || reference.digest === null)) {
      throw new MissingDigestError('component reference', elementIdentity(reference), {
        hint: 'Compute reference digests (digestReferences) before signing.',
      });
    }
  }
}
