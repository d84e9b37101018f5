import { type DescriptorIssue, formatIssue as format } from '../descriptor/errors.js';
import { OcmError, type OcmErrorOptions } from '../errors.js';

/**
 * One problem found in a constructor. `path` names the offending value the way users read it,
 * `components[0].resources[1].input.path` (empty for the document itself).
 */
export type ConstructorIssue = DescriptorIssue;

/** How many issues the message spells out; `issues` always holds all that were collected. */
const MESSAGE_ISSUE_LIMIT = 20;

/**
 * A component constructor that cannot be read, breaks the constructor schema, or would produce an
 * invalid component descriptor. `issues` lists every failing path found, so all can be fixed at once.
 */
export class InvalidConstructorError extends OcmError {
  readonly issues: readonly ConstructorIssue[];

  constructor(issues: readonly ConstructorIssue[], options: OcmErrorOptions = {}) {
    super('INVALID_CONSTRUCTOR', describe('invalid component constructor', issues), {
      hint: 'fix each listed field; the rules are those of the OCM component constructor v1 schema',
      ...options,
    });
    this.issues = issues;
  }
}

/** `${VAR}` or `$VAR` named a variable the environment given to `readConstructor` does not define. */
export class UndefinedVariableError extends OcmError {
  /** Every undefined variable, once each, in order of first use. */
  readonly variables: readonly string[];
  /** Where each use is, e.g. `components[0].version: VERSION`. */
  readonly issues: readonly ConstructorIssue[];

  constructor(
    issues: readonly ConstructorIssue[],
    variables: readonly string[],
    options: OcmErrorOptions = {},
  ) {
    super(
      'UNDEFINED_VARIABLE',
      `${variables.length === 1 ? 'undefined variable' : 'undefined variables'} ${variables.map((v) => `\${${v}}`).join(', ')} (${issues
        .slice(0, MESSAGE_ISSUE_LIMIT)
        .map(format)
        .join('; ')})`,
      {
        hint: 'set the variable in the environment, or write $$ for a literal dollar sign',
        ...options,
      },
    );
    this.variables = variables;
    this.issues = issues;
  }
}

/**
 * An input path (or a symbolic link met while reading one) that leads outside the constructor's
 * directory. Refused so that a constructor cannot pack arbitrary files of the machine it runs on.
 */
export class PathEscapeError extends OcmError {
  /** The path as written in the constructor (or the link met while reading it). */
  readonly path: string;

  constructor(path: string, reason: string, options: OcmErrorOptions = {}) {
    super('PATH_ESCAPE', `input path ${JSON.stringify(path)} ${reason}`, {
      hint: 'input paths must stay inside the directory of the component constructor file',
      ...options,
    });
    this.path = path;
  }
}

/** The component constructor file itself does not exist (or is not a file). */
export class ConstructorNotFoundError extends OcmError {
  readonly path: string;

  constructor(path: string, reason = 'does not exist', options: OcmErrorOptions = {}) {
    super('CONSTRUCTOR_NOT_FOUND', `component constructor ${JSON.stringify(path)} ${reason}`, {
      hint: 'name the YAML or JSON file that describes the component (its format: docs/constructor.md)',
      ...options,
    });
    this.path = path;
  }
}

/** An input names a file or directory that does not exist (or is not of the expected kind). */
export class InputNotFoundError extends OcmError {
  readonly path: string;

  constructor(path: string, reason = 'does not exist', options: OcmErrorOptions = {}) {
    super('INPUT_NOT_FOUND', `input path ${JSON.stringify(path)} ${reason}`, {
      hint: 'input paths are relative to the directory of the component constructor file',
      ...options,
    });
    this.path = path;
  }
}

/** An input could not be read or packed (permissions, an unsupported file kind, a size limit). */
export class InputError extends OcmError {
  readonly path: string;

  constructor(path: string, reason: string, options: OcmErrorOptions = {}) {
    super('INPUT_FAILED', `input ${JSON.stringify(path)}: ${reason}`, options);
    this.path = path;
  }
}

function describe(what: string, issues: readonly ConstructorIssue[]): string {
  const shown = issues.slice(0, MESSAGE_ISSUE_LIMIT).map(format);
  const more =
    issues.length > MESSAGE_ISSUE_LIMIT ? [`... and ${issues.length - MESSAGE_ISSUE_LIMIT} more`] : [];
  const count = issues.length === 1 ? '1 problem' : `${issues.length} problems`;
  return `${what} (${count}): ${[...shown, ...more].join('; ')}`;
}
