import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import type { DescriptorIssue } from './errors.js';
import schema from './schema/component-descriptor-v2.schema-2020-12.json' with { type: 'json' };
import { ajvIssue } from './schema-issue.js';

/**
 * Validation against the shipped ocm2 JSON schema (see `schema/NOTICE.md`). Formats are asserted
 * (`creationTime` and signature timestamps must be RFC 3339 date-times), as the schema intends.
 */
let compiled: ValidateFunction | undefined;

function validator(): ValidateFunction {
  if (compiled === undefined) {
    // strict: false because the upstream schema has keywords Ajv's strict mode flags (minLength on an
    // untyped definition); logger: false because library code never writes to the console.
    const ajv = new Ajv2020({ allErrors: true, strict: false, logger: false, validateFormats: true });
    ajv.addFormat('date-time', isDateTime);
    compiled = ajv.compile(schema);
  }
  return compiled;
}

const dateTimePattern =
  /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.\d+)?(?:[Zz]|[+-](\d{2}):(\d{2}))$/;

/** RFC 3339 `date-time`, the format Go's `time.Time` writes and reads. */
export function isDateTime(value: string): boolean {
  const m = dateTimePattern.exec(value);
  if (m === null) return false;
  const [month, day, hour, minute, second] = [m[2], m[3], m[4], m[5], m[6]].map(Number) as number[];
  const offsetHours = m[7] === undefined ? 0 : Number(m[7]);
  const offsetMinutes = m[8] === undefined ? 0 : Number(m[8]);
  return (
    month! >= 1 &&
    month! <= 12 &&
    day! >= 1 &&
    day! <= 31 &&
    hour! <= 23 &&
    minute! <= 59 &&
    second! <= 60 &&
    offsetHours <= 23 &&
    offsetMinutes <= 59
  );
}

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
