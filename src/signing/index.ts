/**
 * Storage-independent signing of component descriptors: digest specs, descriptor digests, RSA
 * signatures and their encodings, named descriptor signatures, and resource / reference digest
 * checks. Format: docs/formats.md (signing). Reading content and referenced versions
 * from a repository is the caller's part (see `ReferenceResolver`).
 */
export {
  type DescriptorSignature,
  listSignatures,
  type SignDescriptorOptions,
  signDescriptor,
  type VerifyDescriptorOptions,
  verifyDescriptor,
} from './descriptor.js';
export {
  type DescriptorDigestOptions,
  type DigestSpec,
  descriptorDigest,
  digestDescriptor,
  EXCLUDE_FROM_SIGNATURE,
  EXCLUDED_DIGEST,
  GENERIC_BLOB_DIGEST_V1,
  genericBlobDigest,
  genericBlobDigestOf,
  type HashOptions,
  isExcludedDigest,
  NO_DIGEST,
  type NormalisedDigest,
  OCI_ARTIFACT_DIGEST_V1,
  ociArtifactDigest,
  readDigestSpec,
  recomputeDescriptorDigest,
  sameDigest,
} from './digest-spec.js';
export {
  AmbiguousSignatureError,
  DescriptorDigestMismatchError,
  type DigestPair,
  ElementDigestMismatchError,
  InvalidKeyError,
  MissingDigestError,
  ReferenceCycleError,
  SignatureNotFoundError,
  SignatureVerificationError,
  UnsupportedAlgorithmError,
} from './errors.js';
export {
  type Content,
  canonicalHashAlgorithm,
  HASH_ALGORITHMS,
  type HashAlgorithm,
  hashContent,
  SHA256,
  SHA512,
} from './hash.js';
export { elementIdentity } from './identity.js';
export { signDigest, verifyDigest } from './prehashed.js';
export {
  componentVersionDigest,
  digestReferences,
  type ReferenceDigestOptions,
  type ReferenceResolver,
  verifyReferenceDigests,
} from './references.js';
export { checkResourceDigest, storedResourceDigest, verifyResourceDigest } from './resources.js';
export {
  decodeSignature,
  encodeSignature,
  encodeSignaturePem,
  isSignatureAlgorithm,
  type KeyInput,
  loadPrivateKey,
  loadPublicKey,
  MEDIA_TYPE_PEM,
  MEDIA_TYPE_RSA,
  MEDIA_TYPE_RSA_PSS,
  RSASSA_PKCS1_V1_5,
  RSASSA_PSS,
  SIGNATURE_ALGORITHMS,
  type SignatureAlgorithm,
  type SignatureEncoding,
  type SignatureSpec,
  type SignMessageOptions,
  signMessage,
  type VerifyMessageOptions,
  verifyMessage,
} from './rsa.js';
