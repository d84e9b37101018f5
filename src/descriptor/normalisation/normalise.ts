import { UnsupportedAlgorithmError } from './errors.js';
import { canonicalJson } from './jcs.js';
import { isPlainObject, type JsonValue, pointer, quote, toJson } from './json.js';
import {
  defaultVersionIntoExtraIdentity,
  emptyPlain,
  hasNoneAccess,
  objectList,
  type Plain,
  parseProvider,
  presentEntries,
  providerWithSigningLabels,
  requireObject,
  signingLabels,
} from './rules.js';

export const JSON_NORMALISATION_V1 = 'jsonNormalisation/v1';
export const JSON_NORMALISATION_V2 = 'jsonNormalisation/v2';
export const JSON_NORMALISATION_V3 = 'jsonNormalisation/v3';
export const JSON_NORMALISATION_V4ALPHA1 = 'jsonNormalisation/v4alpha1';

/** The wire names of the component-descriptor normalisations (docs/formats.md, Normalisation). */
export const NORMALISATION_ALGORITHMS = [
  JSON_NORMALISATION_V4ALPHA1,
  JSON_NORMALISATION_V3,
  JSON_NORMALISATION_V2,
  JSON_NORMALISATION_V1,
] as const;
export type NormalisationAlgorithm = (typeof NORMALISATION_ALGORITHMS)[number];

/** The algorithm new signatures use (ocm2's default; docs/formats.md, Normalisation). */
export const DEFAULT_NORMALISATION: NormalisationAlgorithm = JSON_NORMALISATION_V4ALPHA1;

export function isNormalisationAlgorithm(name: string): name is NormalisationAlgorithm {
  return (NORMALISATION_ALGORITHMS as readonly string[]).includes(name);
}

export interface NormaliseOptions {
  /**
   * jsonNormalisation/v1 only: write `extraIdentity: null` into resources and component references
   * that have none, as current ocm1 does. Signatures made by older ocm1 versions only verify without
   * it (docs/formats.md, Normalisation), so verifiers try both. Default `true`.
   */
  readonly v1ExtraIdentityNull?: boolean;
}

/**
 * Normalises a component descriptor in its plain v2 JSON form (as parsed from YAML or JSON) and
 * returns the bytes that get hashed. Never mutates `descriptor`.
 *
 * Throws `UnsupportedAlgorithmError` for an unknown algorithm, `NormalisationError` when the
 * structure is not a v2 descriptor (no `component` object, lists that are no lists, values with no
 * JSON form) and `UnsafeNumberError` for integers of magnitude 2^53 or more in the signed part.
 */
export function normalise(
  descriptor: unknown,
  algorithm: string,
  options: NormaliseOptions = {},
): Uint8Array {
  return new TextEncoder().encode(normaliseToString(descriptor, algorithm, options));
}

/** `normalise` as text (for diagnostics and tests); the hashed form is its UTF-8 encoding. */
export function normaliseToString(
  descriptor: unknown,
  algorithm: string,
  options: NormaliseOptions = {},
): string {
  switch (algorithm) {
    case JSON_NORMALISATION_V4ALPHA1:
    case JSON_NORMALISATION_V3:
      return canonicalJson(jcsForm(descriptor, false));
    case JSON_NORMALISATION_V2:
      return canonicalJson(jcsForm(descriptor, true));
    case JSON_NORMALISATION_V1:
      return genericJson(v1Form(descriptor, options.v1ExtraIdentityNull ?? true), '');
    default:
      throw new UnsupportedAlgorithmError('normalisation algorithm', algorithm, NORMALISATION_ALGORITHMS);
  }
}

/**
 * jsonNormalisation/v2, /v3 and /v4alpha1 (ocm2 `json/v4alpha1` ExclusionRules; v3 is byte-identical
 * by design): only `component` survives at the top; in it `repositoryContexts` goes, the provider
 * becomes an object, labels are reduced to signing labels, resources lose `access` and `srcRefs`
 * (and their digest when the access type is `none`), sources lose `access`. Component references
 * are kept verbatim, labels included: the Go rule is keyed on `references`, a key v2 does not have.
 * Every object member whose value is null is dropped; absent lists become `[]`. Other members are
 * kept as they are (the Go code would drop members its types do not know; a valid v2 descriptor
 * has none).
 */
function jcsForm(descriptor: unknown, legacyDefaulting: boolean): JsonValue {
  const root = requireObject(descriptor, '', 'a component descriptor');
  const component = requireObject(root.component, '/component', 'component');
  const out = emptyPlain();
  for (const [key, value] of presentEntries(component)) {
    const path = pointer('/component', key);
    switch (key) {
      case 'repositoryContexts':
        break;
      case 'provider':
        out.provider = providerWithSigningLabels(
          parseProvider(value) ?? Object.assign(emptyPlain(), { name: value }),
          path,
        );
        break;
      case 'labels': {
        const labels = signingLabels(value, path);
        if (labels !== undefined) out.labels = labels;
        break;
      }
      case 'resources': {
        let resources = objectList(value, path, 'a resource');
        if (legacyDefaulting) resources = defaultVersionIntoExtraIdentity(resources);
        out.resources = resources.map((resource, i) =>
          element(resource, pointer(path, i), ['access', 'srcRefs']),
        );
        break;
      }
      case 'sources':
        out.sources = objectList(value, path, 'a source').map((source, i) =>
          element(source, pointer(path, i), ['access']),
        );
        break;
      case 'componentReferences':
        out.componentReferences = objectList(value, path, 'a component reference');
        break;
      default:
        out[key] = value;
    }
  }
  out.resources ??= [];
  out.sources ??= [];
  out.componentReferences ??= [];
  return toJson({ component: out }, '', { dropNullMembers: true });
}

/** A resource, source or reference without `dropped` members and with signing labels only. */
function element(entry: Plain, path: string, dropped: readonly string[]): Plain {
  const out = emptyPlain();
  const noneAccess = hasNoneAccess(entry);
  for (const [key, value] of presentEntries(entry)) {
    if (dropped.includes(key)) continue;
    if (key === 'digest' && noneAccess) continue;
    if (key === 'labels') {
      const labels = signingLabels(value, pointer(path, key));
      if (labels !== undefined) out.labels = labels;
      continue;
    }
    out[key] = value;
  }
  return out;
}

/**
 * jsonNormalisation/v1 for v2 descriptors (ocm1 `versions/v2/signing.go` CDExcludes): `meta` is
 * kept, `signatures` and `nestedDigests` go; in `component`, `repositoryContexts` and `sources` go
 * entirely, the provider stays a string unless it parses as a JSON object, labels are reduced to
 * signing labels (here also on component references), resources lose `access` and `srcRefs` (and
 * the digest for `none` access), the legacy extra-identity defaulting applies, and optionally
 * `extraIdentity: null` is forced into resources and references lacking it; absent `resources` and
 * `componentReferences` become `[]`. Null members of the
 * descriptor's own structure are dropped (Go's `omitempty`); nulls inside free-form values such as
 * label values stay.
 */
function v1Form(descriptor: unknown, extraIdentityNull: boolean): JsonValue {
  const root = requireObject(descriptor, '', 'a component descriptor');
  const component = requireObject(root.component, '/component', 'component');
  const out = emptyPlain();
  for (const [key, value] of presentEntries(component)) {
    const path = pointer('/component', key);
    switch (key) {
      case 'repositoryContexts':
      case 'sources':
        break;
      case 'provider': {
        const provider = parseProvider(value);
        out.provider = provider === undefined ? value : providerWithSigningLabels(provider, path);
        break;
      }
      case 'labels': {
        const labels = signingLabels(value, path);
        if (labels !== undefined) out.labels = labels;
        break;
      }
      case 'resources':
        out.resources = defaultVersionIntoExtraIdentity(objectList(value, path, 'a resource')).map((r, i) =>
          withNullIdentity(element(r, pointer(path, i), ['access', 'srcRefs']), extraIdentityNull),
        );
        break;
      case 'componentReferences':
        out.componentReferences = objectList(value, path, 'a component reference').map((r, i) =>
          withNullIdentity(element(r, pointer(path, i), []), extraIdentityNull),
        );
        break;
      default:
        out[key] = value;
    }
  }
  // ocm1 converts nil lists to empty ones before serialising (sources are dropped anyway)
  out.resources ??= [];
  out.componentReferences ??= [];
  const top = emptyPlain();
  for (const [key, value] of presentEntries(root)) {
    if (key === 'signatures' || key === 'nestedDigests') continue;
    top[key] = key === 'component' ? out : value;
  }
  return toJson(top, '', { dropNullMembers: false });
}

function withNullIdentity(entry: Plain, force: boolean): Plain {
  if (force && !isPlainObject(entry.extraIdentity)) entry.extraIdentity = null;
  return entry;
}

/**
 * The ocm1 "generic" (entry) format: every object becomes an array of single-member objects sorted
 * by key in byte order (Go string order), arrays keep their order, no whitespace. Scalars are
 * written as Go's `json.Marshal` writes them: `<`, `>`, `&`, U+2028 and U+2029 escaped as `\u00xx`,
 * `-0` kept as `-0`; otherwise numbers as in ECMAScript (Go's float64 formatting agrees).
 */
function genericJson(value: JsonValue, path: string): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
      return quote(value, path, true);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      return Object.is(value, -0) ? '-0' : String(value);
  }
  if (Array.isArray(value)) {
    return `[${value.map((item, i) => genericJson(item, pointer(path, i))).join(',')}]`;
  }
  const members = Object.keys(value)
    .sort(compareCodePoints)
    .map((key) => `{${quote(key, path, true)}:${genericJson(value[key]!, pointer(path, key))}}`);
  return `[${members.join(',')}]`;
}

/** Orders strings by Unicode code point, which equals the byte order of their UTF-8 forms. */
function compareCodePoints(a: string, b: string): number {
  const left = [...a];
  const right = [...b];
  for (let i = 0; i < Math.min(left.length, right.length); i++) {
    const diff = left[i]!.codePointAt(0)! - right[i]!.codePointAt(0)!;
    if (diff !== 0) return diff;
  }
  return left.length - right.length;
}
