/**
 * The component descriptor v2 wire format, as the Go bindings read and write it
 * (ocm2 `bindings/go/descriptor/v2`, schema in `schema/`). These types describe the parsed JSON
 * value itself: a parsed descriptor is kept as read, so keys this model does not name (inside open
 * objects such as access specifications, repository contexts and label values, or anywhere else)
 * survive a parse/serialise round trip untouched. Optional fields are optional here too; list
 * fields the schema requires may be `null`, as Go writes them.
 */

/** Any value JSON can carry. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

export interface DescriptorV2 {
  meta: Meta;
  component: Component;
  signatures?: Signature[] | null;
  nestedDigests?: NestedComponentDigests[] | null;
}

export interface Meta {
  /** `v2` (the schema accepts any string starting with `v2`). */
  schemaVersion: string;
}

export interface Component {
  name: string;
  version: string;
  /** A name, or (ocm1, when provider labels are needed) a JSON document `{"name":..,"labels":[..]}`. */
  provider: string;
  /** Where the component version has been stored; newest last by convention. */
  repositoryContexts: RepositoryContext[] | null;
  labels?: Label[] | null;
  /** RFC 3339 date-time. */
  creationTime?: string | null;
  resources: Resource[] | null;
  sources: Source[] | null;
  componentReferences: ComponentReference[] | null;
}

/** An open typed object: `type` is `Name[/version]`, the other keys depend on it. */
export interface TypedObject {
  type: string;
  [key: string]: JsonValue | undefined;
}

export type RepositoryContext = TypedObject;
export type AccessSpec = TypedObject;

/** Identity attributes besides `name`: string to string, never holding `name` itself. */
export type Identity = Record<string, string>;

export interface Label {
  name: string;
  value: JsonValue;
  /** `v<N>`, default `v1`. */
  version?: string | null;
  /** Only labels with `signing: true` are part of the signed digest. */
  signing?: boolean;
  merge?: MergeSpec;
}

export interface MergeSpec {
  algorithm?: string;
  config?: JsonValue;
}

/** Fields every element kind shares; `name` + `extraIdentity` (+ `version` where needed) identify it. */
export interface ElementMeta {
  name: string;
  version: string;
  extraIdentity?: Identity | null;
  labels?: Label[] | null;
}

export interface Resource extends ElementMeta {
  type: string;
  relation: 'local' | 'external';
  access: AccessSpec;
  digest?: DigestSpec | null;
  srcRefs?: SourceRef[] | null;
}

export interface Source extends ElementMeta {
  type: string;
  access: AccessSpec;
}

export interface ComponentReference extends ElementMeta {
  /** The referenced component. */
  componentName: string;
  digest?: DigestSpec | null;
}

export interface SourceRef {
  identitySelector?: Identity;
  labels?: Label[] | null;
}

export interface DigestSpec {
  hashAlgorithm: string;
  normalisationAlgorithm: string;
  /** Lower-case hex, without an algorithm prefix. */
  value: string;
}

export interface Signature {
  name: string;
  digest: DigestSpec;
  signature: SignatureSpec;
  timestamp?: TimestampSpec;
}

export interface SignatureSpec {
  algorithm: string;
  value: string;
  mediaType: string;
  issuer?: string;
}

export interface TimestampSpec {
  value?: string;
  time?: string;
}

export interface NestedComponentDigests {
  name: string;
  version: string;
  digest?: DigestSpec;
  resourceDigests?: NestedDigestSpec[] | null;
}

export interface NestedDigestSpec {
  name: string;
  version?: string;
  extraIdentity?: Identity;
  digest?: DigestSpec;
}

/** The element kinds of a component; identities are unique within each. */
export type ElementKind = 'resources' | 'sources' | 'componentReferences';
