import type { ErrorObject } from 'ajv/dist/2020.js';
import { ajvIssue } from '../descriptor/schema-issue.js';
import { lazySchemaValidator } from '../descriptor/schema-validator.js';
import type { ConstructorIssue } from './errors.js';
import upstream from './schema/component-constructor-v1.schema-2020-12.json' with { type: 'json' };

type SchemaObject = Record<string, unknown>;

/**
 * The schema compiled, derived from the shipped upstream copy (see `schema/NOTICE.md`):
 * - the top-level `oneOf` (a `components:` list, or one component inline) becomes
 *   `if: {required: [components]}`, and each element's `oneOf` (`access` branch, `input` branch)
 *   becomes `if: {required: [input]}`. Errors then speak of the branch the user meant instead of
 *   "must match exactly one schema". The one document this accepts that `oneOf` refused, an element
 *   with both `input` and `access` (which may match both branches), is refused by `elementIssues`;
 * - every remaining `oneOf` has branches of disjoint types (null | list, string | mapping), where
 *   `anyOf` accepts exactly the same values and reports more simply.
 */
export function derivedSchema(): SchemaObject {
  const schema = structuredClone(upstream) as unknown as SchemaObject;
  const defs = schema.$defs as Record<string, SchemaObject>;
  const [multi, single] = schema.oneOf as [SchemaObject, SchemaObject];
  delete schema.oneOf;
  Object.assign(schema, conditional({ type: 'object', required: ['components'] }, multi, single));
  for (const name of ['resourceDefinition', 'sourceDefinition'] as const) {
    const def = defs[name]!;
    const branches = def.oneOf as SchemaObject[];
    const inputBranch = branches.find((b) => (b.required as string[]).includes('input'))!;
    const accessBranch = branches.find((b) => (b.required as string[]).includes('access'))!;
    delete def.oneOf;
    Object.assign(def, conditional({ required: ['input'] }, inputBranch, accessBranch));
  }
  return oneOfToAnyOf(schema) as SchemaObject;
}

/** JSON Schema `if`/`then`/`else` (the object is a schema, never awaited). */
function conditional(test: SchemaObject, then: SchemaObject, otherwise: SchemaObject): SchemaObject {
  return { if: test, then, else: otherwise };
}

function oneOfToAnyOf(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(oneOfToAnyOf);
  if (node === null || typeof node !== 'object') return node;
  const out: SchemaObject = {};
  for (const [key, value] of Object.entries(node)) out[key === 'oneOf' ? 'anyOf' : key] = oneOfToAnyOf(value);
  return out;
}

const validator = lazySchemaValidator(derivedSchema);

/** The schema's findings, one per failing value; empty when the document is valid. */
export function constructorSchemaIssues(document: unknown): ConstructorIssue[] {
  const validate = validator();
  if (validate(document)) return [];
  return condense(validate.errors ?? []).map((e) => toIssue(document, e));
}

/**
 * Drops what only explains a failed `if` or the branches of an `anyOf` the value was not meant for.
 * An `anyOf` whose value failed inside a branch keeps that inner failure; one whose value matched no
 * branch by type alone becomes a single "must be X or Y".
 */
function condense(errors: readonly ErrorObject[]): ErrorObject[] {
  const dropped = new Set<ErrorObject>();
  const added: ErrorObject[] = [];
  for (const e of errors) if (e.keyword === 'if' || e.keyword === 'propertyNames') dropped.add(e);
  for (const anyOf of errors) {
    if (anyOf.keyword !== 'anyOf') continue;
    dropped.add(anyOf);
    const at = errors.filter(
      (e) => e !== anyOf && e.instancePath === anyOf.instancePath && e.keyword !== 'if',
    );
    const deeper = errors.some((e) => e.instancePath.startsWith(`${anyOf.instancePath}/`));
    const typeErrors = at.filter((e) => e.keyword === 'type');
    for (const e of typeErrors) dropped.add(e);
    if (!deeper && typeErrors.length === at.length) {
      const types = [...new Set(typeErrors.map((e) => String((e.params as { type?: unknown }).type)))];
      added.push({ ...anyOf, keyword: 'type', params: { type: types.join(',') } });
    }
  }
  const kept = [...errors.filter((e) => !dropped.has(e)), ...added];
  const seen = new Set<string>();
  return kept.filter((e) => {
    const key = `${e.instancePath}\u0000${e.keyword}\u0000${JSON.stringify(e.params)}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

const defs = upstream.$defs;

/** Messages for the schema's patterns, which Ajv would quote as raw regular expressions. */
const patternMessages: Record<string, string> = {
  [defs.componentName.pattern]:
    'must be a component name: lower-case, a DNS domain and at least one path segment (e.g. github.com/acme/app)',
  [defs.relaxedSemver.pattern]:
    'must be a relaxed semantic version such as 1.2.3, v1.2, 1 or 1.0.0-rc.1+build.5 (no leading zeros)',
  [defs.identityAttributeKey.pattern]:
    'must be lower-case letters, digits, "-", "_" or "+", starting and ending with a letter or digit',
  [defs.ocmType.pattern]: 'must be a type name such as ociArtifact, File/v1 or my.type/v1alpha1',
};

function toIssue(document: unknown, e: ErrorObject): ConstructorIssue {
  return ajvIssue(document, e, {
    patterns: patternMessages,
    rootType: 'a component constructor must be a mapping: a component, or `components:` with a list of them',
    typeHint: (error) => quoteHint(document, error),
  });
}

/** YAML reads `version: 1.0` as a number; say how to keep it a string. */
function quoteHint(document: unknown, e: ErrorObject): string {
  const value = valueAt(document, e.instancePath);
  const wantsString = String((e.params as { type?: unknown }).type)
    .split(',')
    .includes('string');
  return wantsString && (typeof value === 'number' || typeof value === 'boolean')
    ? ' (in YAML, quote it: "1.0" stays a string, 1.0 is a number)'
    : '';
}

function valueAt(document: unknown, pointer: string): unknown {
  let node = document;
  for (const raw of pointer === '' ? [] : pointer.slice(1).split('/')) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[raw.replace(/~1/g, '/').replace(/~0/g, '~')];
  }
  return node;
}
