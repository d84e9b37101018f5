import type { ErrorObject } from 'ajv/dist/2020.js';
import type { DescriptorIssue } from './errors.js';
import schema from './schema/component-descriptor-v2.schema-2020-12.json' with { type: 'json' };
import { ajvIssue } from './schema-issue.js';
import { lazySchemaValidator } from './schema-validator.js';

export { isDateTime } from './schema-validator.js';

/**
 * Validation against the shipped ocm2 JSON schema (see `schema/NOTICE.md`). Formats are asserted
 * (`creationTime` and signature timestamps must be RFC 3339 date-times), as the schema intends.
 */
const validator = lazySchemaValidator(() => schema);

/** The schema's findings as issues, one per failing value; empty when the document is valid. */
export function schemaIssues(document: unknown): DescriptorIssue[] {
  const validate = validator();
  if (validate(document)) return [];
  return condense(validate.errors ?? []).map((e) => toIssue(document, e));
}

/**
 * Ajv reports every failed `anyOf` branch. Where a value failed inside a branch (a bad resource in
 * `resources: array | null`), only that inner failure is worth reporting; where every branch failed
 * on its type alone, one "must be array or null" says it all.
 */
function condense(errors: readonly ErrorObject[]): ErrorObject[] {
  const dropped = new Set<ErrorObject>();
  const added: ErrorObject[] = [];
  for (const anyOf of errors) {
    if (anyOf.keyword !== 'anyOf' && anyOf.keyword !== 'oneOf') continue;
    const branch = errors.filter(
      (e) => e.instancePath === anyOf.instancePath && e.schemaPath.startsWith(`${anyOf.schemaPath}/`),
    );
    const deeper = errors.some((e) => e.instancePath.startsWith(`${anyOf.instancePath}/`));
    const substantive = branch.some((e) => e.keyword !== 'type');
    dropped.add(anyOf);
    for (const e of branch) if (e.keyword === 'type') dropped.add(e);
    if (!deeper && !substantive) {
      const types = branch.map((e) => String((e.params as { type?: unknown }).type));
      added.push({ ...anyOf, keyword: 'type', params: { type: types.join(',') } });
    }
  }
  return [...errors.filter((e) => !dropped.has(e) && e.keyword !== 'propertyNames'), ...added];
}

/** Messages for the schema's patterns, which Ajv would quote as raw regular expressions. */
const patternMessages: Record<string, string> = {
  [schema.$defs.componentName.pattern]:
    'must be a component name: lower-case, a DNS domain and at least one path segment (e.g. github.com/acme/app)',
  [schema.$defs.relaxedSemver.pattern]:
    'must be a relaxed semantic version such as 1.2.3, v1.2, 1 or 1.0.0-rc.1+build.5 (no leading zeros)',
  [schema.$defs.identityAttributeKey.pattern]:
    'must be lower-case letters, digits, "-", "_" or "+", starting and ending with a letter or digit',
  [schema.$defs.ocmType.pattern]: 'must be a type name such as ociArtifact, localBlob/v1 or my.type/v1alpha1',
  '^v2': 'must be "v2"',
};

function toIssue(document: unknown, e: ErrorObject): DescriptorIssue {
  return ajvIssue(document, e, {
    patterns: patternMessages,
    rootType: 'the descriptor must be a mapping with meta and component',
  });
}
