export { aliasProblem, COMPUTED_ALIASES, isComputedAlias, validateAlias } from './aliases.js';
export {
  AliasConflictError,
  AliasMovedWithoutEventError,
  ComponentVersionChangedError,
  ComponentVersionNotFoundError,
  ElementNotFoundError,
  InvalidAliasError,
  InvalidComponentVersionError,
  MissingReferenceError,
  MoveUnconfirmedError,
  NotAnAliasError,
  ReferenceCycleError,
  ReferenceDepthError,
  ResourceContentError,
  StaleAliasError,
  VersionExistsError,
  VersionTagConflictError,
} from './errors.js';
export type {
  AliasJournal,
  AliasMove,
  AliasMoveContext,
  AliasOperation,
  AliasTarget,
  JournalEntry,
  JournalOptions,
  JournalWrite,
  PolicyChange,
  RemotePromotion,
} from './journal.js';
export { Annotation, componentRepository, type DescriptorEncoding, OcmMediaType } from './mapping.js';
export type { AliasPolicy, AliasPolicyChange, PolicyCopy } from './policy-hook.js';
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
  type CheckComponentVersionOptions,
  type CheckComponentVersionResult,
  checkComponentVersion,
  type ReferenceCheck,
  type ResourceCheck,
  type ResourceCheckKind,
  type SignComponentVersionOptions,
  type SignComponentVersionResult,
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
export {
  type RecursiveTransferOptions,
  type RecursiveTransferResult,
  transferComponentVersionRecursive,
} from './transfer-tree.js';
export { type VerifyTreeOptions, type VerifyTreeResult, verifyComponentVersionTree } from './verify-tree.js';
