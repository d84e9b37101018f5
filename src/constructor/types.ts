import type { AccessSpec, DigestSpec, Identity, JsonValue, Label, SourceRef } from '../descriptor/index.js';

/**
 * The component constructor v1 (ocm2 `bindings/go/constructor/spec/v1`), as read and validated by
 * `readConstructor`: variables are expanded, the schema holds, every input is of a known type with
 * its fields checked. Keys the schema leaves open (provider extras, access specs) are kept as read.
 */
export interface Constructor {
  /** The components, in file order; a single-component file gives one. */
  readonly components: readonly ComponentConstructor[];
  /** `list` for a `components:` file, `single` for one component inline (error paths follow it). */
  readonly form: 'list' | 'single';
  /** Absolute directory that input paths are relative to (and must stay inside). */
  readonly baseDir: string;
}

export interface ComponentConstructor {
  name: string;
  version: string;
  provider: ProviderConstructor;
  creationTime?: string | null;
  labels?: Label[];
  resources?: ResourceConstructor[];
  sources?: SourceConstructor[] | null;
  componentReferences?: ComponentReferenceConstructor[] | null;
}

export interface ProviderConstructor {
  name: string;
  labels?: Label[];
  /** The schema allows more keys; they are not part of a v2 descriptor and are left out. */
  [key: string]: unknown;
}

interface ElementConstructor {
  name: string;
  type: string;
  /** Defaults to the component's version. */
  version?: string;
  extraIdentity?: Identity;
  labels?: Label[];
  /** Exactly one of `input` and `access`. */
  input?: InputSpec;
  access?: AccessSpec;
}

export interface ResourceConstructor extends ElementConstructor {
  /** Default `local` with an input, `external` with an access. */
  relation?: 'local' | 'external';
  digest?: DigestSpec | null;
  srcRefs?: SourceRef[];
}

export type SourceConstructor = ElementConstructor;

export interface ComponentReferenceConstructor {
  name: string;
  componentName: string;
  version: string;
  extraIdentity?: Identity;
  labels?: Label[];
  digest?: DigestSpec | null;
}

/** The built-in input types, by canonical name. */
export type InputType = 'File/v1' | 'Dir/v1' | 'UTF8/v1';

/** File/v1 (`file`): one file's bytes. */
export interface FileInput {
  type: string;
  path: string;
  /** Default `application/octet-stream`. With `compress`, `+gzip` is appended. */
  mediaType?: string;
  compress?: boolean;
}

/** Dir/v1 (`dir`): a directory as a deterministic tar. */
export interface DirInput {
  type: string;
  path: string;
  /** Default `application/x-tar`, `application/x-tar+gzip` with `compress`. */
  mediaType?: string;
  compress?: boolean;
  /** Put the directory itself (its base name) at the top of the archive. Default false. */
  preserveDir?: boolean;
  /** Pack what symbolic links point at instead of the links. Default false. */
  followSymlinks?: boolean;
  /** Globs over paths relative to the directory (`*`, `?`, `[...]`, `**`); matches are left out. */
  excludeFiles?: string[];
  /** Globs as above; when given, only matching files are packed. */
  includeFiles?: string[];
}

/** UTF8/v1 (`utf8`): exactly one of `text`, `json`, `formattedJson`, `yaml`. */
export interface Utf8Input {
  type: string;
  text?: string;
  json?: JsonValue;
  formattedJson?: JsonValue;
  yaml?: JsonValue;
  mediaType?: string;
  compress?: boolean;
}

export type InputSpec = FileInput | DirInput | Utf8Input;
