import { NormalisationError } from './errors.js';
import { isPlainObject, pointer } from './json.js';

/**
 * The rule pieces shared by the normalisation algorithms. All work on the plain v2 JSON form and
 * never mutate their input: whatever they change, they copy first.
 * Format: docs/formats.md (normalisation).
 */

export type Plain = Record<string, unknown>;

/** An object without prototype, so that input keys such as `__proto__` stay ordinary members. */
export function emptyPlain(): Plain {
  return Object.create(null) as Plain;
}

export function requireObject(value: unknown, path: string, what: string): Plain {
  if (!isPlainObject(value)) throw new NormalisationError(path, `${what} must be an object`);
  return value;
}

/** A list field: `null` and absent both mean "none"; anything but an array is a structural error. */
export function optionalList(value: unknown, path: string): unknown[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new NormalisationError(path, 'must be a list');
  return value;
}

/** The members of `object` whose value is neither `null` nor `undefined`, in input order. */
export function presentEntries(object: Plain): [string, unknown][] {
  return Object.entries(object).filter(([, value]) => value !== null && value !== undefined);
}

const labelKeys = ['name', 'version', 'value', 'signing'] as const;

/**
 * Keeps the labels that take part in signing: `signing` is boolean `true` or the string `"true"`
 * (ocm2 accepts both); of those only `name`, `version`, `value` and `signing`. Returns `undefined`
 * when nothing remains, because the Go engines then omit the `labels` key altogether.
 */
export function signingLabels(value: unknown, path: string): Plain[] | undefined {
  const kept: Plain[] = [];
  optionalList(value, path).forEach((label, index) => {
    const entry = requireObject(label, pointer(path, index), 'a label');
    if (entry.signing !== true && entry.signing !== 'true') return;
    const out = emptyPlain();
    for (const key of labelKeys) {
      if (entry[key] !== undefined && entry[key] !== null) out[key] = entry[key];
    }
    kept.push(out);
  });
  return kept.length > 0 ? kept : undefined;
}

/**
 * The v2 provider is a string that may hold a JSON object (`{"name":…,"labels":[…]}`). Parsed
 * objects are used as they are, any other string becomes `{"name": <string>}` (ocm2
 * `ProviderAsMap`). A provider that is already an object (a runtime model may carry one) is taken
 * as such. The JSON text `null` parses into Go's nil map, which serialises as `{}`.
 */
export function parseProvider(value: unknown): Plain | undefined {
  if (isPlainObject(value)) return value;
  if (typeof value !== 'string') return undefined;
  try {
    const parsed: unknown = JSON.parse(value);
    if (parsed === null) return emptyPlain();
    if (isPlainObject(parsed)) return parsed;
  } catch {
    // not JSON: a plain provider name
  }
  return undefined;
}

/** A copy of the provider object whose `labels` are reduced to the signing ones. */
export function providerWithSigningLabels(provider: Plain, path: string): Plain {
  const out = emptyPlain();
  for (const [key, value] of presentEntries(provider)) {
    if (key !== 'labels') out[key] = value;
  }
  const labels = signingLabels(provider.labels, pointer(path, 'labels'));
  if (labels !== undefined) out.labels = labels;
  return out;
}

/** Access types `none`/`None` mark resources without content; their digest is not signed. */
export function hasNoneAccess(resource: Plain): boolean {
  const access = resource.access;
  return isPlainObject(access) && (access.type === 'none' || access.type === 'None');
}

function sameIdentity(a: unknown, b: unknown): boolean {
  const left = isPlainObject(a) ? a : {};
  const right = isPlainObject(b) ? b : {};
  const keys = Object.keys(left);
  if (keys.length !== Object.keys(right).length) return false;
  return keys.every((key) => Object.hasOwn(right, key) && left[key] === right[key]);
}

/**
 * The legacy "extra-identity defaulting" of jsonNormalisation/v1 and /v2 (ocm1
 * `legacy.DefaultingOfVersionIntoExtraIdentity`): for each resource i, in order, if another resource
 * has the same name and an equal extra identity (as it stands at that moment), resource i gets
 * `extraIdentity.version = <its version>`. Because the scan sees its own earlier changes, the last
 * of a clashing group usually stays unchanged. Returns copies of the changed resources.
 */
export function defaultVersionIntoExtraIdentity(resources: readonly Plain[]): Plain[] {
  const out = resources.map((resource) => ({ ...resource }));
  for (let i = 0; i < out.length; i++) {
    const current = out[i]!;
    for (let j = 0; j < out.length; j++) {
      const other = out[j]!;
      if (i === j || other.name !== current.name) continue;
      if (!sameIdentity(other.extraIdentity, current.extraIdentity)) continue;
      const identity = Object.assign(
        emptyPlain(),
        isPlainObject(current.extraIdentity) ? current.extraIdentity : {},
      );
      identity.version = typeof current.version === 'string' ? current.version : '';
      current.extraIdentity = identity;
      break;
    }
  }
  return out;
}

export function objectList(value: unknown, path: string, what: string): Plain[] {
  return optionalList(value, path).map((entry, index) => requireObject(entry, pointer(path, index), what));
}
