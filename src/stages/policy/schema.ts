import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import { isDateTime } from '../../descriptor/schema.js';
import { ajvIssue } from '../../descriptor/schema-issue.js';
import { closest } from '../../oci/nearest.js';
import type { StagePolicyIssue } from './errors.js';
import schema from './schema/stages.schema.json' with { type: 'json' };

/** The JSON schema of the stages document, shipped in the package (`schema/stages.schema.json`). */
export const stagesSchema: unknown = schema;

let compiled: ValidateFunction | undefined;

function validator(): ValidateFunction {
  if (compiled === undefined) {
    // Our own schema, so Ajv's strict mode holds; logger: false because library code never prints.
    // verbose: an unknown key's error carries the keys its mapping allows (for did-you-mean).
    const ajv = new Ajv2020({
      allErrors: true,
      strict: true,
      logger: false,
      validateFormats: true,
      verbose: true,
    });
    ajv.addFormat('date-time', isDateTime);
    ajv.addFormat('date', (text: string) => /^\d{4}-\d{2}-\d{2}$/.test(text));
    compiled = ajv.compile(schema);
  }
  return compiled;
}

const patternMessages: Record<string, string> = {
  [schema.$defs.stageName.pattern]: 'must be an alias name: [A-Za-z0-9_][A-Za-z0-9._-]{0,127}',
  [schema.$defs.duration.pattern]:
    'must be a duration such as 24h, 30m, 2d or 1h30m (whole numbers; units d, h, m, s in that order)',
};

/** The schema's findings, one per failing value; empty when the document fits the schema. */
export function schemaIssues(document: unknown): StagePolicyIssue[] {
  const validate = validator();
  if (validate(document)) return [];
  const errors = validate.errors ?? [];
  // A time that is neither form fails both branches and then anyOf: one issue says it.
  const times = new Set(errors.filter((e) => e.keyword === 'anyOf').map((e) => e.instancePath));
  return errors
    .filter((e) => !(e.keyword === 'format' && times.has(e.instancePath)))
    .map((e) => {
      const issue = ajvIssue(document, e, wording);
      if (e.keyword === 'anyOf')
        return {
          ...issue,
          message: 'must be an RFC 3339 date-time such as 2026-12-20T00:00:00Z, or a date such as 2026-12-20',
        };
      return e.keyword === 'additionalProperties'
        ? { ...issue, message: issue.message + didYouMean(e) }
        : issue;
    });
}

const wording = {
  patterns: patternMessages,
  rootType: 'the stages document must be a mapping with a stages list',
  typeHint: (err: ErrorObject) =>
    err.instancePath.endsWith('/soak') ? ' (write a duration such as 24h, not a bare number)' : '',
};

/** `; did you mean "soak"?` for a misspelt key, from the keys its mapping allows. */
function didYouMean(e: ErrorObject): string {
  const allowed = Object.keys((e.parentSchema as { properties?: object } | undefined)?.properties ?? {});
  const guess = closest(String((e.params as { additionalProperty?: unknown }).additionalProperty), allowed);
  return guess === undefined ? '' : `; did you mean ${JSON.stringify(guess)}?`;
}
