import type { ErrorObject } from 'ajv/dist/2020.js';
import { formatPath, pointerSegments } from './path.js';

/** What a schema's findings are phrased with: readable pattern messages and the whole-document one. */
export interface IssueWording {
  /** Messages for the schema's regular expressions, which Ajv would quote raw. */
  readonly patterns: Readonly<Record<string, string>>;
  /** When the document itself has the wrong type. */
  readonly rootType: string;
  /** Appended to a type error below the root, e.g. how to quote a YAML number. */
  readonly typeHint?: (e: ErrorObject) => string;
}

/** One Ajv finding as `{path, message}`, the path in the `a.b[0].c` form of the repository's errors. */
export function ajvIssue(
  document: unknown,
  e: ErrorObject,
  wording: IssueWording,
): { path: string; message: string } {
  const segments = pointerSegments(document, e.instancePath);
  const params = e.params as Record<string, unknown>;
  let message = e.message ?? 'is invalid';
  switch (e.keyword) {
    case 'required':
      segments.push(String(params.missingProperty));
      message = 'is required';
      break;
    case 'additionalProperties':
      segments.push(String(params.additionalProperty));
      message = 'is not allowed here';
      break;
    case 'pattern':
      message = wording.patterns[String(params.pattern)] ?? message;
      break;
    case 'enum':
      message = `must be one of ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
      break;
    case 'const':
      message = `must be ${JSON.stringify(params.allowedValue)}`;
      break;
    case 'format':
      message = 'must be an RFC 3339 date-time such as 2025-03-18T09:44:42Z';
      break;
    case 'minLength':
      message = params.limit === 1 ? 'must not be empty' : `must have at least ${params.limit} characters`;
      break;
    case 'maxLength':
      message = `must have at most ${params.limit} characters`;
      break;
    case 'minProperties':
      message = 'must not be empty';
      break;
    case 'type':
      message =
        e.instancePath === ''
          ? wording.rootType
          : `must be ${String(params.type).split(',').map(article).join(' or ')}${wording.typeHint?.(e) ?? ''}`;
      break;
  }
  if (e.propertyName !== undefined) {
    segments.push(e.propertyName);
    message = `key ${message}`;
  }
  return { path: formatPath(segments), message };
}

function article(type: string): string {
  const t = type.trim();
  if (t === 'null') return 'null';
  if (t === 'object') return 'a mapping';
  if (t === 'array') return 'a list';
  return /^[aeiou]/.test(t) ? `an ${t}` : `a ${t}`;
}
