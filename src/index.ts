/**
 * The public API of ocm-ts. Everything a user may import is re-exported here by name; the rest is
 * internal and may change.
 */
export {
  APPROVAL_PREDICATE,
  type Envelope,
  EvidenceKeyError,
  IN_TOTO_PAYLOAD_TYPE,
  InvalidEnvelopeError,
  InvalidStatementError,
  keyId,
  normalisedDescriptorDigest,
  pae,
  parseEnvelope,
  type Statement,
  TEST_RESULT_PREDICATE,
} from './attestation/index.js';
export { Ctf, type GcOptions, type GcReport, type OpenCtfOptions } from './ctf/ctf.js';
export { InvalidArchiveError, InvalidIndexError, LockTimeoutError, ReadOnlyError } from './ctf/errors.js';
export { CtfRepository, CtfStore } from './ctf/store.js';
export {
  type DescriptorV2,
  InvalidComponentNameError,
  InvalidDescriptorError,
  InvalidVersionError,
  parseDescriptor,
  type Resource,
  type Source,
  serialiseDescriptor,
  validateDescriptor,
} from './descriptor/index.js';
export { NotFoundError, OcmError, type OcmErrorOptions, UnsupportedError } from './errors.js';
export {
  canBatch,
  canDelete,
  canFetchReference,
  canListTags,
  canUntag,
  fetchAll,
} from './oci/content/index.js';
export type {
  Deleter,
  Fetcher,
  OperationOptions,
  Pusher,
  Resolver,
  Store,
  StoreProvider,
  Tagger,
  TagLister,
  Untagger,
} from './oci/content/storage.js';
export type { Descriptor } from './oci/descriptor.js';
export {
  DigestMismatchError,
  InvalidDigestError,
  InvalidManifestError,
  InvalidReferenceError,
  SizeMismatchError,
  TooLargeError,
} from './oci/errors.js';
export {
  type OpenedRepository,
  type OpenRepositoryOptions,
  openRepository,
  parseRepositorySpec,
  type RepositorySpec,
} from './open.js';
export {
  CredentialError,
  dockerConfigCredentials,
  RegistryAuthError,
  RegistryError,
  RegistryStore,
  type RegistryStoreOptions,
  TagDeletionUnsupportedError,
} from './registry/index.js';
export * from './repository/index.js';
export * from './stages/index.js';
export { VERSION } from './version.js';
