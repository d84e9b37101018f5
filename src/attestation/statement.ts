/**
 * in-toto Statement v1 about a component version, and the predicates evidence uses:
 * - the in-toto test-result predicate (v0.1) for checks;
 * - our approval predicate (`https://ocm.software/attestation/approval/v1`: stage, message, time);
 * - any other predicate type, stored and shown as given, never interpreted.
 * The subject is `COMPONENT:VERSION` with the SHA-256 of the normalised descriptor
 * (`normalisedDescriptorDigest`), which signing and transfer leave unchanged.
 */
import { createHash } from 'node:crypto';
import { isPlainObject, JSON_NORMALISATION_V3, normalise } from '../descriptor/normalisation/index.js';
import { InvalidStatementError } from './errors.js';

export const STATEMENT_TYPE = 'https://in-toto.io/Statement/v1';
export const TEST_RESULT_PREDICATE = 'https://in-toto.io/attestation/test-result/v0.1';
export const APPROVAL_PREDICATE = 'https://ocm.software/attestation/approval/v1';

/** Annotations of a test-result `configuration` entry: where and when the check ran (signed, in the payload). */
export const CheckAnnotation = {
  Stage: 'software.ocm.stage',
  Time: 'software.ocm.time',
} as const;

export type TestResult = 'PASSED' | 'WARNED' | 'FAILED';
export const TEST_RESULTS: readonly TestResult[] = ['PASSED', 'WARNED', 'FAILED'];

export interface Subject {
  readonly name: string;
  readonly digest: Readonly<Record<string, string>>;
}

export interface Statement {
  readonly _type: string;
  readonly subject: readonly Subject[];
  readonly predicateType: string;
  readonly predicate: Readonly<Record<string, unknown>>;
}

/** The in-toto ResourceDescriptor members we write (the spec has more; all optional but one of name/uri/digest). */
export interface ResourceDescriptor {
  readonly name?: string;
  readonly uri?: string;
  readonly digest?: Readonly<Record<string, string>>;
  readonly annotations?: Readonly<Record<string, unknown>>;
}

export interface TestResultPredicate {
  readonly result: TestResult;
  readonly configuration: readonly ResourceDescriptor[];
  readonly url?: string;
  readonly passedTests?: readonly string[];
  readonly warnedTests?: readonly string[];
  readonly failedTests?: readonly string[];
}

export interface ApprovalPredicate {
  readonly stage: string;
  readonly message?: string;
  /** RFC 3339, UTC. */
  readonly time: string;
}

/**
 * Hex SHA-256 of the descriptor normalised with jsonNormalisation/v3 (the same bytes as v4alpha1,
 * the default `ocm sign cv` signs): what a component version's evidence is about.
 */
export function normalisedDescriptorDigest(descriptor: unknown): string {
  return createHash('sha256').update(normalise(descriptor, JSON_NORMALISATION_V3)).digest('hex');
}

/** The subject naming one component version. */
export function componentSubject(component: string, version: string, digestHex: string): Subject {
  return { name: `${component}:${version}`, digest: { sha256: digestHex } };
}

export function makeStatement(
  subject: Subject,
  predicateType: string,
  predicate: Readonly<Record<string, unknown>>,
): Statement {
  return { _type: STATEMENT_TYPE, subject: [subject], predicateType, predicate };
}

export interface CheckInput {
  /** The check's name (`e2e`): the `configuration` entry's `name`. */
  readonly check: string;
  readonly result: TestResult;
  readonly url?: string;
  /** The stage the check ran in. */
  readonly stage?: string;
  /** When the check ran (RFC 3339, UTC). */
  readonly time: string;
  readonly passedTests?: readonly string[];
  readonly warnedTests?: readonly string[];
  readonly failedTests?: readonly string[];
}

/** A test-result predicate: one invocation of the check named `check`. */
export function testResultPredicate(input: CheckInput): TestResultPredicate {
  return {
    result: input.result,
    configuration: [
      {
        name: input.check,
        annotations: {
          ...(input.stage === undefined ? {} : { [CheckAnnotation.Stage]: input.stage }),
          [CheckAnnotation.Time]: input.time,
        },
      },
    ],
    ...(input.url === undefined ? {} : { url: input.url }),
    passedTests: [...(input.passedTests ?? [])],
    warnedTests: [...(input.warnedTests ?? [])],
    failedTests: [...(input.failedTests ?? [])],
  };
}

export function approvalPredicate(input: ApprovalPredicate): ApprovalPredicate {
  return {
    stage: input.stage,
    ...(input.message === undefined ? {} : { message: input.message }),
    time: input.time,
  };
}

export function encodeStatement(statement: Statement): Uint8Array {
  return Buffer.from(JSON.stringify(statement), 'utf8');
}

/** Reads a Statement v1 strictly enough to rely on: `_type`, a non-empty subject list, the predicate. */
export function parseStatement(bytes: Uint8Array): Statement {
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (cause) {
    throw new InvalidStatementError('the payload is not JSON', { cause });
  }
  if (!isPlainObject(value)) throw new InvalidStatementError('not a JSON object');
  if (value._type !== STATEMENT_TYPE)
    throw new InvalidStatementError(`_type is ${JSON.stringify(value._type)}, not ${STATEMENT_TYPE}`);
  if (!Array.isArray(value.subject) || value.subject.length === 0)
    throw new InvalidStatementError('subject must be a non-empty list');
  const subject = value.subject.map((s, i): Subject => {
    if (!isPlainObject(s) || !isPlainObject(s.digest) || Object.keys(s.digest).length === 0)
      throw new InvalidStatementError(`subject[${i}] needs a digest`);
    for (const [alg, hex] of Object.entries(s.digest))
      if (typeof hex !== 'string')
        throw new InvalidStatementError(`subject[${i}].digest.${alg} must be a string`);
    if (s.name !== undefined && typeof s.name !== 'string')
      throw new InvalidStatementError(`subject[${i}].name must be a string`);
    return { name: (s.name as string | undefined) ?? '', digest: s.digest as Record<string, string> };
  });
  if (typeof value.predicateType !== 'string' || value.predicateType === '')
    throw new InvalidStatementError('predicateType must be a URI');
  const predicate = value.predicate ?? {};
  if (!isPlainObject(predicate)) throw new InvalidStatementError('predicate must be an object');
  return { _type: STATEMENT_TYPE, subject, predicateType: value.predicateType, predicate };
}

/** Reads a test-result predicate; `InvalidStatementError` when it breaks the predicate's schema. */
export function readTestResult(predicate: Readonly<Record<string, unknown>>): TestResultPredicate {
  const { result, configuration, url } = predicate;
  if (typeof result !== 'string' || !(TEST_RESULTS as readonly string[]).includes(result))
    throw new InvalidStatementError('test-result: result must be PASSED, WARNED or FAILED');
  if (!Array.isArray(configuration) || !configuration.every(isPlainObject))
    throw new InvalidStatementError('test-result: configuration must be a list of resource descriptors');
  if (url !== undefined && typeof url !== 'string')
    throw new InvalidStatementError('test-result: url must be a string');
  const lists: Record<string, string[]> = {};
  for (const k of ['passedTests', 'warnedTests', 'failedTests'] as const) {
    const v = predicate[k];
    if (v === undefined) continue;
    if (!Array.isArray(v) || !v.every((t) => typeof t === 'string'))
      throw new InvalidStatementError(`test-result: ${k} must be a list of strings`);
    lists[k] = v;
  }
  return {
    result: result as TestResult,
    configuration: configuration as ResourceDescriptor[],
    ...(url === undefined ? {} : { url }),
    ...lists,
  };
}

/** The check a test result is about, and where and when it ran, from its first `configuration` entry. */
export function checkOf(p: TestResultPredicate): { name?: string; stage?: string; time?: string } {
  const c = p.configuration[0];
  const a = isPlainObject(c?.annotations) ? c.annotations : {};
  return {
    ...(typeof c?.name === 'string' ? { name: c.name } : {}),
    ...(typeof a[CheckAnnotation.Stage] === 'string' ? { stage: a[CheckAnnotation.Stage] as string } : {}),
    ...(typeof a[CheckAnnotation.Time] === 'string' ? { time: a[CheckAnnotation.Time] as string } : {}),
  };
}

export function readApproval(predicate: Readonly<Record<string, unknown>>): ApprovalPredicate {
  const { stage, message, time } = predicate;
  if (typeof stage !== 'string' || stage === '')
    throw new InvalidStatementError('approval: stage must be a string');
  if (typeof time !== 'string' || Number.isNaN(Date.parse(time)))
    throw new InvalidStatementError('approval: time must be an RFC 3339 time');
  if (message !== undefined && typeof message !== 'string')
    throw new InvalidStatementError('approval: message must be a string');
  return { stage, time, ...(message === undefined ? {} : { message }) };
}
