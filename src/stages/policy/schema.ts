import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import { isDateTime } from '../../descriptor/schema.js';
import { ajvIssue } from '../../descriptor/schema-issue.js';
import type { StagePolicyIssue } from './errors.js';
import schema from './schema/stages.schema.json' with { type: 'json' };

/** The JSON schema of the stages document, shipped in the package (`schema/stages.schema.json`). */
export const stagesSchema: unknown = schema;

let compiled: ValidateFunction | undefined;

function validator(): ValidateFunction {
  if (compiled === undefined) {
    // Our own schema, so Ajv's strict mode holds; logger: false because library code never prints.
    const ajv = new Ajv2020({ allErrors: true, strict: true, logger: false, validateFormats: true });
    ajv.addFormat('date-time', isDateTime);
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
  return (validate.errors ?? []).map((e) =>
    ajvIssue(document, e, {
      patterns: patternMessages,
      rootType: 'the stages document must be a mapping with a stages list',
      typeHint: (err) =>
        err.instancePath.endsWith('/soak') ? ' (write a duration such as 24h, not a bare number)' : '',
    }),
  );
}
