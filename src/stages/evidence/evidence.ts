/**
 * Qualification evidence on component versions (README, "Evidence"): signed test results
 * (`attest`), approvals (`approve`) and any other in-toto predicate, about the version's normalised
 * descriptor digest, stored beside the version (`store.ts`), listed and verified against named keys.
 */
import {
  APPROVAL_PREDICATE,
  approvalPredicate,
  checkOf,
  componentSubject,
  type Envelope,
  type EvidenceKeyInput,
  encodeEnvelope,
  encodeStatement,
  envelopePayload,
  IN_TOTO_PAYLOAD_TYPE,
  loadSigningKey,
  loadVerifyingKey,
  makeStatement,
  normalisedDescriptorDigest,
  parseEnvelope,
  parseStatement,
  readApproval,
  readTestResult,
  type Statement,
  signEnvelope,
  TEST_RESULT_PREDICATE,
  type TestResult,
  type TrustedKey,
  testResultPredicate,
  verifyEnvelope,
} from '../../attestation/index.js';
import { OcmError } from '../../errors.js';
import type { OperationOptions } from '../../oci/content/storage.js';
import { aliasProblem } from '../../repository/aliases.js';
import {
  EvidenceAnnotation,
  readEvidence,
  type StoredEnvelope,
  writeEvidence,
} from '../../repository/evidence-store.js';
import type { OcmRepository } from '../../repository/repository.js';

/** The component version evidence is about. */
export interface EvidenceSubject {
  readonly component: string;
  readonly version: string;
  /** Hex SHA-256 of the normalised descriptor. */
  readonly digest: string;
  /** The manifest digest the version had when it was read (changes with `sign cv`; the subject does not). */
  readonly manifestDigest?: string;
}

/** A bad request to `attest` or `approve` (no predicate, a stage name that cannot be one). */
export class EvidenceRequestError extends OcmError {
  constructor(message: string, hint?: string) {
    super('EVIDENCE_REQUEST', message, hint === undefined ? {} : { hint });
  }
}

/** Reads the version `versionOrAlias` names and computes its subject: 2 requests on a registry (manifest, descriptor). */
export async function evidenceSubject(
  repository: OcmRepository,
  component: string,
  versionOrAlias: string,
  options: OperationOptions = {},
): Promise<EvidenceSubject> {
  const { descriptor, resolution } = await repository.getComponentVersion(component, versionOrAlias, options);
  return {
    component,
    version: resolution.version,
    digest: normalisedDescriptorDigest(descriptor),
    manifestDigest: resolution.digest,
  };
}

export interface EvidenceWriteOptions extends OperationOptions {
  /** The private key that signs the envelope (PEM or loaded). */
  readonly key: EvidenceKeyInput;
  /** The clock. Default `() => new Date()`. */
  readonly now?: () => Date;
}

export interface AttestCheckInput {
  readonly check: string;
  readonly result: 'passed' | 'warned' | 'failed' | TestResult;
  readonly url?: string;
  readonly stage?: string;
  readonly passedTests?: readonly string[];
  readonly warnedTests?: readonly string[];
  readonly failedTests?: readonly string[];
}

export interface AttestOtherInput {
  readonly predicateType: string;
  readonly predicate: Readonly<Record<string, unknown>>;
}

export interface EvidenceWriteResult {
  readonly subject: EvidenceSubject;
  readonly statement: Statement;
  readonly envelope: Envelope;
  /** Digest of the stored envelope blob. */
  readonly digest: string;
  readonly tag: string;
}

/** Signs and stores a test result (`check`) or any other predicate about the version `versionOrAlias` names. */
export async function attest(
  repository: OcmRepository,
  component: string,
  versionOrAlias: string,
  input: AttestCheckInput | AttestOtherInput,
  options: EvidenceWriteOptions,
): Promise<EvidenceWriteResult> {
  const key = loadSigningKey(options.key);
  const time = iso((options.now ?? (() => new Date()))());
  let predicateType: string;
  let predicate: Readonly<Record<string, unknown>>;
  const annotations: Record<string, string> = { [EvidenceAnnotation.Time]: time };
  if ('check' in input) {
    if (input.check === '' || input.check.length > 128)
      throw new EvidenceRequestError('a check name has 1 to 128 characters');
    const result = input.result.toUpperCase() as TestResult;
    if (!['PASSED', 'WARNED', 'FAILED'].includes(result))
      throw new EvidenceRequestError(
        `a result is passed, warned or failed, not ${JSON.stringify(input.result)}`,
      );
    if (input.stage !== undefined) checkStage(input.stage);
    predicateType = TEST_RESULT_PREDICATE;
    predicate = { ...testResultPredicate({ ...input, result, time }) };
    Object.assign(annotations, {
      [EvidenceAnnotation.Name]: input.check,
      [EvidenceAnnotation.Result]: result,
      ...(input.stage === undefined ? {} : { [EvidenceAnnotation.Stage]: input.stage }),
    });
  } else {
    if (!/^[a-z][a-z0-9+.-]*:\S+$/i.test(input.predicateType))
      throw new EvidenceRequestError(`a predicate type is a URI, not ${JSON.stringify(input.predicateType)}`);
    predicateType = input.predicateType;
    predicate = input.predicate;
  }
  return store(repository, component, versionOrAlias, predicateType, predicate, annotations, key, options);
}

export interface ApproveInput {
  readonly stage: string;
  readonly message?: string;
}

/** Signs and stores an approval of the version `versionOrAlias` names for `stage`. */
export async function approve(
  repository: OcmRepository,
  component: string,
  versionOrAlias: string,
  input: ApproveInput,
  options: EvidenceWriteOptions,
): Promise<EvidenceWriteResult> {
  const key = loadSigningKey(options.key);
  checkStage(input.stage);
  const time = iso((options.now ?? (() => new Date()))());
  return store(
    repository,
    component,
    versionOrAlias,
    APPROVAL_PREDICATE,
    {
      ...approvalPredicate({
        stage: input.stage,
        time,
        ...(input.message === undefined ? {} : { message: input.message }),
      }),
    },
    { [EvidenceAnnotation.Stage]: input.stage, [EvidenceAnnotation.Time]: time },
    key,
    options,
  );
}

async function store(
  repository: OcmRepository,
  component: string,
  versionOrAlias: string,
  predicateType: string,
  predicate: Readonly<Record<string, unknown>>,
  annotations: Record<string, string>,
  key: ReturnType<typeof loadSigningKey>,
  options: OperationOptions,
): Promise<EvidenceWriteResult> {
  const op = options.signal ? { signal: options.signal } : {};
  return repository.batch(async (repo) => {
    const subject = await evidenceSubject(repo, component, versionOrAlias, op);
    const statement = makeStatement(
      componentSubject(subject.component, subject.version, subject.digest),
      predicateType,
      predicate,
    );
    const envelope = signEnvelope(IN_TOTO_PAYLOAD_TYPE, encodeStatement(statement), key);
    const written = await writeEvidence(
      repo.ociStore(component),
      subject.digest,
      encodeEnvelope(envelope),
      {
        [EvidenceAnnotation.Subject]: `${subject.component}:${subject.version}`,
        [EvidenceAnnotation.PredicateType]: predicateType,
        ...annotations,
      },
      op,
    );
    return { subject, statement, envelope, digest: written.envelope.digest, tag: written.tag };
  }, op);
}

/** What a piece of evidence says, as read from its statement. */
export interface EvidenceItem {
  readonly tag: string;
  /** Digest of the envelope blob. */
  readonly digest: string;
  /** The envelope as read (undefined when it could not be read). */
  readonly envelope?: Envelope;
  /** The envelope's bytes exactly as stored. */
  readonly bytes?: Uint8Array;
  readonly statement?: Statement;
  /** `check` (test result), `approval`, or `other` (any other predicate, never interpreted). */
  readonly kind: 'check' | 'approval' | 'other' | 'unreadable';
  readonly predicateType?: string;
  /** The check's name. */
  readonly name?: string;
  /** Approval: the stage approved; check: where it ran. */
  readonly stage?: string;
  readonly result?: TestResult;
  readonly url?: string;
  readonly time?: string;
  /** Why this item does not count (unreadable, about another digest); absent when it may count. */
  readonly problem?: string;
}

export interface ListEvidenceOptions extends OperationOptions {
  /** The subject, when the caller has it (saves reading the descriptor: 2 requests). */
  readonly subject?: EvidenceSubject;
}

/**
 * The evidence stored about the version `versionOrAlias` names, newest first. Costs on a registry:
 * one listing of the tags and one GET per envelope (none when the content cache holds it), after
 * reading the version (2 requests) unless `subject` is given.
 */
export async function listEvidence(
  repository: OcmRepository,
  component: string,
  versionOrAlias: string,
  options: ListEvidenceOptions = {},
): Promise<{ subject: EvidenceSubject; items: EvidenceItem[] }> {
  const op = options.signal ? { signal: options.signal } : {};
  const subject = options.subject ?? (await evidenceSubject(repository, component, versionOrAlias, op));
  const stored = await readEvidence(repository.ociStore(component), subject.digest, op);
  const items = stored.map((s) => readItem(s, subject));
  items.sort((a, b) => (b.time ?? '').localeCompare(a.time ?? '') || a.digest.localeCompare(b.digest));
  return { subject, items };
}

function readItem(stored: StoredEnvelope, subject: EvidenceSubject): EvidenceItem {
  if (stored.bytes === undefined)
    return {
      tag: stored.tag,
      digest: stored.envelope.digest,
      kind: 'unreadable',
      problem: stored.problem ?? 'unreadable',
    };
  const base = { tag: stored.tag, digest: stored.envelope.digest, bytes: stored.bytes };
  let envelope: Envelope;
  let statement: Statement;
  try {
    envelope = parseEnvelope(stored.bytes);
    if (envelope.payloadType !== IN_TOTO_PAYLOAD_TYPE)
      return {
        ...base,
        envelope,
        kind: 'unreadable',
        problem: `payload type ${envelope.payloadType} is not in-toto`,
      };
    statement = parseStatement(envelopePayload(envelope));
  } catch (err) {
    if (!(err instanceof OcmError)) throw err;
    return { ...base, kind: 'unreadable', problem: err.message };
  }
  const about = statement.subject.some((s) => s.digest.sha256 === subject.digest);
  const item = { ...base, envelope, statement, predicateType: statement.predicateType };
  const problem = about
    ? undefined
    : `about ${statement.subject.map((s) => `${s.name} (sha256:${String(s.digest.sha256 ?? '?').slice(0, 12)}…)`).join(', ')}, not this version's digest sha256:${subject.digest.slice(0, 12)}…`;
  const withProblem = problem === undefined ? {} : { problem };
  try {
    if (statement.predicateType === TEST_RESULT_PREDICATE) {
      const p = readTestResult(statement.predicate);
      const c = checkOf(p);
      return {
        ...item,
        kind: 'check',
        result: p.result,
        ...(c.name === undefined ? {} : { name: c.name }),
        ...(c.stage === undefined ? {} : { stage: c.stage }),
        ...(c.time === undefined ? {} : { time: c.time }),
        ...(p.url === undefined ? {} : { url: p.url }),
        ...withProblem,
      };
    }
    if (statement.predicateType === APPROVAL_PREDICATE) {
      const p = readApproval(statement.predicate);
      return { ...item, kind: 'approval', stage: p.stage, time: p.time, ...withProblem };
    }
  } catch (err) {
    if (!(err instanceof OcmError)) throw err;
    return { ...item, kind: 'unreadable', problem: err.message };
  }
  return { ...item, kind: 'other', ...withProblem };
}

/** A key evidence may be signed with, by name (a `trust` entry, or `--public-key NAME=FILE`). */
export interface NamedKey {
  readonly name: string;
  readonly publicKey: EvidenceKeyInput;
}

export interface VerifiedEvidenceItem extends EvidenceItem {
  /** The trusted name whose key verified the envelope. */
  readonly signer?: string;
  readonly verified: 'verified' | 'bad signature' | 'unknown key' | 'unsigned' | 'unreadable';
  /** The keyid the envelope names (unauthenticated), for saying which key was unknown. */
  readonly keyid?: string;
}

/** Checks each item's signatures against the named keys. Pure: no I/O. */
export function verifyEvidence(
  items: readonly EvidenceItem[],
  keys: readonly NamedKey[],
): VerifiedEvidenceItem[] {
  const trusted: TrustedKey[] = keys.map((k) => ({ name: k.name, key: loadVerifyingKey(k.publicKey) }));
  return items.map((item) => {
    if (item.envelope === undefined) return { ...item, verified: 'unreadable' as const };
    const v = verifyEnvelope(item.envelope, trusted);
    return {
      ...item,
      verified: v.status,
      ...(v.signer === undefined ? {} : { signer: v.signer }),
      ...(v.keyid === undefined ? {} : { keyid: v.keyid }),
    };
  });
}

function checkStage(stage: string): void {
  const problem = aliasProblem(stage);
  if (problem !== undefined)
    throw new EvidenceRequestError(`${JSON.stringify(stage)} is not a stage name: ${problem}`);
}

/** RFC 3339 in UTC, with milliseconds: the newest result of a check is found by this time. */
function iso(date: Date): string {
  return date.toISOString();
}
