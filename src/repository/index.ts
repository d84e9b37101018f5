export { aliasProblem, COMPUTED_ALIASES, isComputedAlias, validateAlias } from './aliases.js';
export {
  AliasConflictError,
  ComponentVersionChangedError,
  InvalidAliasError,
  InvalidComponentVersionError,
  NotAnAliasError,
  VersionExistsError,
  VersionTagConflictError,
} from './errors.js';
export { Annotation, componentRepository, type DescriptorEncoding, OcmMediaType } from './mapping.js';
export {
  type AddComponentVersionOptions,
  type AddComponentVersionResult,
  type AliasChange,
  type AliasInfo,
  type AliasOptions,
  type ComponentVersion,
  type ConflictPolicy,
  type ListVersionsOptions,
  type LocalBlob,
  type LocalBlobInput,
  OcmRepository,
  type OcmRepositoryOptions,
  type ResolutionKind,
  type ResolvedComponentVersion,
} from './repository.js';
export {
  type ReferenceCheck,
  type ResourceCheck,
  type ResourceCheckKind,
  ResourceContentError,
  type SignComponentVersionOptions,
  type SignComponentVersionResult,
  StaleAliasError,
  signComponentVersion,
  type VerifyComponentVersionOptions,
  type VerifyComponentVersionResult,
  verifyComponentVersion,
} from './signing.js';
export {
  type ArtifactFetcher,
  type TransferOptions,
  type TransferProgress,
  type TransferResult,
  transferComponentVersion,
} from './transfer.js';
export { MissingReferenceError, ReferenceCycleError, ReferenceDepthError } from './errors.js';
export {
  type FoundComponentVersion,
  type ReferenceNode,
  type ReferenceResolver,
  type ReferenceWalk,
  RepositoryListResolver,
  treeNodes,
  type WalkReferencesOptions,
  walkReferences,
} from './references.js';
export {
  type RecursiveTransferOptions,
  type RecursiveTransferResult,
  transferComponentVersionRecursive,
} from './transfer-tree.js';
