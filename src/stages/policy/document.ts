/**
 * The stages document (README, "Stages and promotion"): the stages of a component in order and the
 * gates a version passes to enter each. Read strictly (the YAML reader of the descriptor layer:
 * YAML 1.2 core schema, no duplicate keys, JSON-compatible values), checked against the shipped
 * JSON schema, then against the rules a schema cannot say: stage names are aliases, `from` names
 * another stage and never closes a cycle, durations parse, keys are RSA public keys, freeze windows
 * end after they start.
 */
import { EvidenceKeyError, loadVerifyingKey } from '../../attestation/index.js';
import { InvalidDescriptorError } from '../../descriptor/errors.js';
import { readDocument } from '../../descriptor/read.js';
import { digestOf } from '../../oci/digest.js';
import { aliasProblem } from '../../repository/aliases.js';
import { InvalidKeyError, loadPublicKey } from '../../signing/index.js';
import { parseDuration } from './duration.js';
import { InvalidStagePolicyError, type StagePolicyIssue } from './errors.js';
import { schemaIssues } from './schema.js';

export interface RequiredSignature {
  readonly name: string;
  /** PEM, as written in the document; absent when the key is given at promotion time. */
  readonly publicKey?: string;
}

export interface FreezeWindow {
  /** Inclusive. */
  readonly from: Date;
  /** Exclusive. */
  readonly until: Date;
  readonly reason?: string;
}

/** A key whose evidence the gates accept (`trust:`), by name. */
export interface TrustedSigner {
  readonly name: string;
  /** PEM (SPKI), as written. */
  readonly publicKey: string;
}

/** A check the candidate must have passed (`checks:`): the newest result signed by one of `by` counts. */
export interface RequiredCheck {
  readonly name: string;
  readonly by: readonly string[];
  /** The stage the check must have run in. */
  readonly stage?: string;
}

export interface StageRule {
  readonly name: string;
  /**
   * Where the stage lives when not in the document's repository (a registry or a CTF path, as the
   * CLI names repositories); promotion into it copies the candidate there (docs/stages.md).
   */
  readonly repository?: string;
  /** `ocm promote --auto` moves the stage as soon as its gates pass. */
  readonly auto: boolean;
  /** The stage whose current version this one may take. */
  readonly from?: string;
  /** How long the candidate must have been in `from`, as written and in milliseconds. */
  readonly soak?: { readonly text: string; readonly ms: number };
  readonly forwardOnly: boolean;
  readonly signatures: readonly RequiredSignature[];
  /** `present`: every version the candidate references is in the repository and verifies. */
  readonly references?: 'present';
  readonly freeze: readonly FreezeWindow[];
  readonly checks: readonly RequiredCheck[];
  /** `count` distinct signers of `by` approved this stage for the candidate. */
  readonly approvals?: { readonly count: number; readonly by: readonly string[] };
  /** Names of `trust` one of whom must have signed the move that put the stage where it is. */
  readonly movers?: readonly string[];
}

export interface StagePolicy {
  /** In document order, which is the order of the stages. */
  readonly stages: readonly StageRule[];
  /** Who may sign evidence, by name. */
  readonly trust: readonly TrustedSigner[];
}

/** A parsed document with the bytes it came from; `digest` is the SHA-256 of those bytes. */
export interface StagesDocument {
  readonly policy: StagePolicy;
  /** The document as JSON, in its wire form (for `-o json`). */
  readonly document: unknown;
  readonly bytes: Uint8Array;
  readonly digest: string;
}

/** Largest stages document accepted. */
export const MAX_STAGES_DOCUMENT_SIZE = 1024 * 1024;

/** Whether moving onto this stage is subject to gates (then only `promote`, or a forced tag, moves it). */
export function hasGates(stage: StageRule): boolean {
  return (
    stage.from !== undefined ||
    stage.soak !== undefined ||
    stage.forwardOnly ||
    stage.signatures.length > 0 ||
    stage.references !== undefined ||
    stage.freeze.length > 0 ||
    stage.checks.length > 0 ||
    stage.approvals !== undefined ||
    stage.movers !== undefined
  );
}

export function findStage(policy: StagePolicy, name: string): StageRule | undefined {
  return policy.stages.find((s) => s.name === name);
}

/**
 * Parses and checks a stages document (YAML or JSON). Every problem is collected and thrown as one
 * `InvalidStagePolicyError` naming the paths.
 */
export function parseStagesDocument(input: Uint8Array | string): StagesDocument {
  const bytes = typeof input === 'string' ? new TextEncoder().encode(input) : input;
  let value: unknown;
  try {
    value = readDocument(bytes, undefined, { maxBytes: MAX_STAGES_DOCUMENT_SIZE, maxDepth: 16 });
  } catch (err) {
    if (err instanceof InvalidDescriptorError) throw new InvalidStagePolicyError(err.issues, { cause: err });
    throw err;
  }
  const issues = schemaIssues(value);
  if (issues.length > 0) throw new InvalidStagePolicyError(issues);
  const policy = toPolicy(value as WireDocument, issues);
  if (issues.length > 0) throw new InvalidStagePolicyError(issues);
  return { policy, document: value, bytes, digest: digestOf(bytes) };
}

interface WireStage {
  name: string;
  repository?: string;
  auto?: boolean;
  from?: string;
  soak?: string;
  forwardOnly?: boolean;
  signatures?: { name: string; publicKey?: string }[];
  references?: 'present';
  freeze?: { from: string; until: string; reason?: string }[];
  checks?: { name: string; by: string[]; stage?: string }[];
  approvals?: { count: number; by: string[] };
  movers?: string[];
}

interface WireDocument {
  stages: WireStage[];
  trust?: { name: string; publicKey: string }[];
}

function toPolicy(doc: WireDocument, issues: StagePolicyIssue[]): StagePolicy {
  const at = (i: number, field?: string) => `stages[${i}]${field === undefined ? '' : `.${field}`}`;
  const firstIndex = new Map<string, number>();
  doc.stages.forEach((s, i) => {
    const problem = aliasProblem(s.name);
    if (problem !== undefined) issues.push({ path: at(i, 'name'), message: `not a stage name: ${problem}` });
    const seen = firstIndex.get(s.name);
    if (seen !== undefined) {
      issues.push({ path: at(i, 'name'), message: `${s.name} is named already by ${at(seen)}` });
    } else firstIndex.set(s.name, i);
  });

  const trustNames = new Set<string>();
  (doc.trust ?? []).forEach((t, i) => {
    if (trustNames.has(t.name))
      issues.push({ path: `trust[${i}].name`, message: `${t.name} is trusted twice` });
    trustNames.add(t.name);
    const problem = keyProblem(t.publicKey, loadVerifyingKey, EvidenceKeyError);
    if (problem !== undefined) issues.push({ path: `trust[${i}].publicKey`, message: problem });
  });
  const checkSigners = (names: readonly string[], path: string) =>
    names.forEach((n, k) => {
      if (!trustNames.has(n))
        issues.push({
          path: `${path}[${k}]`,
          message: `names no entry of trust: ${n} (add it to trust with its public key)`,
        });
    });

  const stages = doc.stages.map((s, i): StageRule => {
    const checkNames = new Set<string>();
    (s.checks ?? []).forEach((c, j) => {
      const path = `${at(i, 'checks')}[${j}]`;
      if (checkNames.has(c.name))
        issues.push({ path: `${path}.name`, message: `check ${c.name} is required twice` });
      checkNames.add(c.name);
      checkSigners(c.by, `${path}.by`);
      if (c.stage !== undefined && !firstIndex.has(c.stage))
        issues.push({ path: `${path}.stage`, message: `names no stage of this document: ${c.stage}` });
    });
    if (s.movers !== undefined) checkSigners(s.movers, at(i, 'movers'));
    if (s.approvals !== undefined) {
      checkSigners(s.approvals.by, `${at(i, 'approvals')}.by`);
      if (new Set(s.approvals.by).size < s.approvals.count)
        issues.push({
          path: `${at(i, 'approvals')}.count`,
          message: `${s.approvals.count} distinct approvers are needed but by names ${new Set(s.approvals.by).size}`,
        });
    }
    if (s.from !== undefined) {
      if (s.from === s.name) issues.push({ path: at(i, 'from'), message: 'a stage cannot take from itself' });
      else if (!firstIndex.has(s.from))
        issues.push({ path: at(i, 'from'), message: `names no stage of this document: ${s.from}` });
    }
    let soak: StageRule['soak'];
    if (s.soak !== undefined) {
      const ms = parseDuration(s.soak);
      if (ms === undefined)
        issues.push({ path: at(i, 'soak'), message: 'must be a duration such as 24h, 30m, 2d or 1h30m' });
      else soak = { text: s.soak, ms };
      if (s.from === undefined)
        issues.push({ path: at(i, 'soak'), message: 'needs from: the soak is counted in the from stage' });
    }
    const signatureNames = new Set<string>();
    (s.signatures ?? []).forEach((sig, j) => {
      const path = `${at(i, 'signatures')}[${j}]`;
      if (signatureNames.has(sig.name))
        issues.push({ path: `${path}.name`, message: `signature ${sig.name} is required twice` });
      signatureNames.add(sig.name);
      if (sig.publicKey !== undefined) {
        const problem = keyProblem(sig.publicKey);
        if (problem !== undefined) issues.push({ path: `${path}.publicKey`, message: problem });
      }
    });
    const freeze = (s.freeze ?? []).map((w, j): FreezeWindow => {
      // A plain date (2026-12-20) is midnight UTC: Date reads date-only forms as UTC.
      const from = new Date(w.from);
      const until = new Date(w.until);
      const bad = (['from', 'until'] as const).filter((k) => !isCalendarDate(w[k]));
      for (const k of bad)
        issues.push({ path: `${at(i, 'freeze')}[${j}].${k}`, message: 'is not a date of the calendar' });
      if (bad.length === 0 && !(until.getTime() > from.getTime()))
        issues.push({ path: `${at(i, 'freeze')}[${j}].until`, message: 'must be later than from' });
      return { from, until, ...(w.reason === undefined ? {} : { reason: w.reason }) };
    });
    return {
      name: s.name,
      ...(s.repository === undefined ? {} : { repository: s.repository }),
      auto: s.auto === true,
      ...(s.from === undefined ? {} : { from: s.from }),
      ...(soak === undefined ? {} : { soak }),
      forwardOnly: s.forwardOnly === true,
      signatures: (s.signatures ?? []).map((sig) => ({
        name: sig.name,
        ...(sig.publicKey === undefined ? {} : { publicKey: sig.publicKey }),
      })),
      ...(s.references === undefined ? {} : { references: s.references }),
      freeze,
      checks: (s.checks ?? []).map((c) => ({
        name: c.name,
        by: [...c.by],
        ...(c.stage === undefined ? {} : { stage: c.stage }),
      })),
      ...(s.approvals === undefined
        ? {}
        : { approvals: { count: s.approvals.count, by: [...s.approvals.by] } }),
      ...(s.movers === undefined ? {} : { movers: [...s.movers] }),
    };
  });

  // Each stage has at most one `from`, so a cycle is found by walking the chain from every stage.
  const fromOf = new Map(stages.map((s) => [s.name, s.from]));
  const reported = new Set<string>();
  stages.forEach((s, i) => {
    const chain = [s.name];
    let next = s.from;
    while (next !== undefined && next !== s.name && !chain.includes(next) && chain.length <= stages.length) {
      chain.push(next);
      next = fromOf.get(next);
    }
    if (next === s.name && s.from !== s.name) {
      const key = [...chain].sort().join(',');
      if (!reported.has(key)) {
        reported.add(key);
        issues.push({
          path: at(i, 'from'),
          message: `the from chain is a cycle: ${[...chain, s.name].join(' <- ')}`,
        });
      }
    }
  });
  return { stages, trust: (doc.trust ?? []).map((t) => ({ name: t.name, publicKey: t.publicKey })) };
}

/** Whether the date part of an RFC 3339 time exists (`Date` would roll 2026-02-30 over to March). */
function isCalendarDate(text: string): boolean {
  const [y, m, d] = text.slice(0, 10).split('-').map(Number) as [number, number, number];
  return d >= 1 && d <= new Date(Date.UTC(y, m, 0)).getUTCDate();
}

/**
 * Why a key value is unusable (`load` throws `keyError` for keys of the wrong kind); never quotes
 * the value (a pasted private key is a secret). Signature keys are RSA; `trust` keys are those of
 * evidence (ECDSA P-256, Ed25519, RSA).
 */
function keyProblem(
  pem: string,
  load: (pem: string) => unknown = loadPublicKey,
  keyError: new (...args: never[]) => Error = InvalidKeyError,
): string | undefined {
  if (/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(pem))
    return 'is a private key: a stages document is readable by everyone who can read the repository; give the public key only';
  try {
    load(pem);
    return undefined;
  } catch (err) {
    if (err instanceof keyError) return `not a usable public key: ${err.message}`;
    throw err;
  }
}
