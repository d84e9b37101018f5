import { OcmError, type OcmErrorOptions } from '../errors.js';

/**
 * One problem found in a descriptor. `path` names the offending value in the dotted form
 * `component.resources[1].name` (empty for the document itself); `message` says what is wrong.
 */
export interface DescriptorIssue {
  readonly path: string;
  readonly message: string;
}

/** How many issues the error message spells out; `issues` always holds all that were collected. */
const MESSAGE_ISSUE_LIMIT = 20;

/**
 * A component descriptor that cannot be read or does not follow the v2 wire format.
 * `issues` lists every failing path found, so callers (and users) can fix them all at once.
 */
export class InvalidDescriptorError extends OcmError {
  readonly issues: readonly DescriptorIssue[];

  constructor(issues: readonly DescriptorIssue[], options: OcmErrorOptions = {}) {
    super('INVALID_DESCRIPTOR', describeIssues(issues), {
      hint: 'fix each listed field; the rules are those of the OCM component descriptor v2 (JSON schema and identity rules)',
      ...options,
    });
    this.issues = issues;
  }
}

function describeIssues(issues: readonly DescriptorIssue[]): string {
  const shown = issues.slice(0, MESSAGE_ISSUE_LIMIT).map(formatIssue);
  const more =
    issues.length > MESSAGE_ISSUE_LIMIT ? [`... and ${issues.length - MESSAGE_ISSUE_LIMIT} more`] : [];
  const count = issues.length === 1 ? '1 problem' : `${issues.length} problems`;
  return `invalid component descriptor (${count}): ${[...shown, ...more].join('; ')}`;
}

export function formatIssue(issue: DescriptorIssue): string {
  return issue.path === '' ? issue.message : `${issue.path}: ${issue.message}`;
}

/** A component name that does not follow the OCM component name grammar (docs/formats.md). */
export class InvalidComponentNameError extends OcmError {
  readonly value: string;
  constructor(value: string, reason = 'not a valid component name', options: OcmErrorOptions = {}) {
    super('INVALID_COMPONENT_NAME', `invalid component name ${quote(value)}: ${reason}`, {
      hint: 'component names are lower-case, start with a DNS domain and have at least one path segment, e.g. github.com/acme/app',
      ...options,
    });
    this.value = value;
  }
}

/** A version that is not a relaxed semantic version, or one that cannot be stored as an OCI tag. */
export class InvalidVersionError extends OcmError {
  readonly value: string;
  constructor(value: string, reason = 'not a relaxed semantic version', options: OcmErrorOptions = {}) {
    super('INVALID_VERSION', `invalid version ${quote(value)}: ${reason}`, {
      hint: 'versions look like 1.2.3, v1.2, 1 or 1.2.3-rc.1+build.5 (no leading zeros)',
      ...options,
    });
    this.value = value;
  }
}

/** JSON-quotes a value for a message, cut short so hostile input cannot flood logs. */
export function quote(value: unknown): string {
  const text = typeof value === 'string' ? value : String(value);
  return JSON.stringify(text.length > 200 ? `${text.slice(0, 200)}...` : text);
}

/**
 * Where and why the strict JSON reader (`json.ts`) stopped. Internal: it becomes the `cause` of the
 * typed error the caller throws.
 */
export class JsonSyntaxError extends Error {
  readonly offset: number;
  /** True for text that is not JSON at all; false for JSON the reader refuses (duplicate keys, limits). */
  readonly syntax: boolean;
  constructor(message: string, offset: number, options: { readonly refused?: boolean } = {}) {
    super(message);
    this.offset = offset;
    this.syntax = options.refused !== true;
  }
}
