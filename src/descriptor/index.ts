/**
 * The OCM component descriptor (v2 wire format): reading, validation, grammars, access types,
 * identities, writing. Pure: no storage, no I/O.
 */
export {
  ACCESS_TYPE_ALIASES,
  AccessType,
  isAccessType,
  type KnownAccessType,
  type LocalBlobAccess,
  localBlobAccess,
  localBlobParts,
  normaliseAccessType,
  type OciImageAccess,
  ociImageAccess,
} from './access.js';
export {
  type DescriptorIssue,
  InvalidComponentNameError,
  InvalidDescriptorError,
  InvalidVersionError,
} from './errors.js';
export {
  componentNamePattern,
  identityAttributeKeyPattern,
  isValidComponentName,
  isValidVersion,
  MAX_COMPONENT_NAME_LENGTH,
  validateComponentName,
  validateVersion,
  versionPattern,
} from './grammar.js';
export {
  elementIdentities,
  elementIdentity,
  findComponentReference,
  findElement,
  findResource,
  findSource,
  identityEquals,
  identityKey,
} from './identity.js';
export {
  checkDescriptor,
  type ParseDescriptorOptions,
  parseDescriptor,
  validateDescriptor,
} from './parse.js';
export { type Provider, parseProvider } from './provider.js';
export {
  DEFAULT_MAX_ALIAS_COUNT,
  DEFAULT_MAX_BYTES,
  DEFAULT_MAX_DEPTH,
  type DocumentFormat,
  type ReadLimits,
} from './read.js';
export { type SerialiseFormat, type SerialiseOptions, serialiseDescriptor, toGoYaml } from './serialise.js';
export type {
  AccessSpec,
  Component,
  ComponentReference,
  DescriptorV2,
  DigestSpec,
  ElementKind,
  ElementMeta,
  Identity,
  JsonValue,
  Label,
  MergeSpec,
  Meta,
  NestedComponentDigests,
  NestedDigestSpec,
  RepositoryContext,
  Resource,
  Signature,
  SignatureSpec,
  Source,
  SourceRef,
  TimestampSpec,
  TypedObject,
} from './types.js';
export {
  compareVersions,
  isPrerelease,
  isVersionLikeTag,
  sortVersionsDescending,
  tagToVersion,
  versionFromTag,
  versionToTag,
} from './version.js';
