/**
 * The evidence gates, pure: `checks` (the newest result of each required check, signed by one of its
 * `by`, passed) and `approvals` (`count` distinct signers of `by` approved this stage). Every piece of
 * evidence that could have counted and did not is named with the reason (bad signature, unknown key,
 * signer not allowed, another digest, another stage, an approver twice), so a refusal says why.
 */
import type { TestResult } from '../../attestation/index.js';
import type { RequiredCheck, StageRule } from '../policy/document.js';
import type { GateResult } from '../policy/errors.js';
import type { VerifiedEvidenceItem } from './evidence.js';

export interface EvidenceGates {
  readonly gates: GateResult[];
  /** Digests of the envelopes the passing gates relied on. */
  readonly relied: string[];
}

/** The newest counting result of one required check, and what was ignored (with why). */
function checkStatus(required: RequiredCheck, items: readonly VerifiedEvidenceItem[]) {
  const ignored: string[] = [];
  const counted = items.filter((i) => {
    if (i.kind !== 'check' || i.name !== required.name) return false;
    const why = whyNot(i, required.by);
    if (why === undefined && required.stage !== undefined && i.stage !== required.stage) {
      ignored.push(
        `a result ${i.stage === undefined ? 'with no stage' : `from ${i.stage}`}, not ${required.stage}`,
      );
      return false;
    }
    if (why !== undefined) ignored.push(why);
    return why === undefined;
  });
  const newest = counted.sort(
    (a, b) => (b.time ?? '').localeCompare(a.time ?? '') || a.digest.localeCompare(b.digest),
  )[0];
  return { newest, ignored };
}

/** The distinct allowed signers who approved `stage`, with the envelope of each, and what was ignored. */
function approvalStatus(stage: StageRule, items: readonly VerifiedEvidenceItem[]) {
  const by = stage.approvals?.by ?? [];
  const ignored: string[] = [];
  const bySigner = new Map<string, VerifiedEvidenceItem>();
  for (const i of items) {
    if (i.kind !== 'approval') continue;
    const why = whyNot(i, by);
    if (why !== undefined) ignored.push(why);
    else if (i.stage !== stage.name)
      ignored.push(`${i.signer}'s approval is for ${i.stage}, not ${stage.name}`);
    else if (bySigner.has(i.signer!)) ignored.push(`${i.signer} approved more than once (counted once)`);
    else bySigner.set(i.signer!, i);
  }
  return { bySigner, signers: [...bySigner.keys()].sort(), ignored };
}

export function evaluateEvidenceGates(
  stage: StageRule,
  items: readonly VerifiedEvidenceItem[],
): EvidenceGates {
  const gates: GateResult[] = [];
  const relied: string[] = [];
  for (const required of stage.checks) {
    const { newest, ignored } = checkStatus(required, items);
    const note = ignored.length === 0 ? '' : `; ignored: ${ignored.join('; ')}`;
    const where = required.stage === undefined ? '' : ` in ${required.stage}`;
    if (newest === undefined) {
      gates.push({
        gate: 'checks',
        check: required.name,
        result: 'refused',
        detail: `${required.name}: no result${where} signed by ${required.by.join(' or ')}${note}`,
      });
      continue;
    }
    const said = `${required.name} ${newest.result} at ${newest.time ?? '?'} (signed by ${newest.signer})${newest.url ? ` ${newest.url}` : ''}`;
    if (newest.result === 'FAILED') {
      gates.push({
        gate: 'checks',
        check: required.name,
        result: 'refused',
        detail: `${said}: the newest result failed${note}`,
      });
    } else {
      relied.push(newest.digest);
      gates.push({ gate: 'checks', check: required.name, result: 'pass', detail: `${said}${note}` });
    }
  }
  if (stage.approvals !== undefined) {
    const { count, by } = stage.approvals;
    const { bySigner, signers, ignored } = approvalStatus(stage, items);
    const note = ignored.length === 0 ? '' : `; ignored: ${ignored.join('; ')}`;
    const have = `${signers.length}/${count} approvals${signers.length > 0 ? ` (${signers.join(', ')})` : ''}`;
    if (signers.length >= count) {
      for (const s of signers) relied.push(bySigner.get(s)!.digest);
      gates.push({ gate: 'approvals', result: 'pass', detail: `${have}${note}` });
    } else {
      const missing = by.filter((b) => !bySigner.has(b));
      gates.push({
        gate: 'approvals',
        result: 'refused',
        detail: `${have}: ${count - signers.length} more needed from ${missing.join(', ')}${note}`,
      });
    }
  }
  return { gates, relied };
}

/** Where a version stands against a stage's evidence rules, for a compact display (the board). */
export interface EvidenceSummary {
  readonly stage: string;
  /** Per required check: the newest counting result, or null when there is none. */
  readonly checks: readonly { readonly name: string; readonly result: TestResult | null }[];
  readonly approvals?: { readonly have: number; readonly need: number; readonly by: readonly string[] };
}

export function summariseEvidence(stage: StageRule, items: readonly VerifiedEvidenceItem[]): EvidenceSummary {
  const approvals = stage.approvals === undefined ? undefined : approvalStatus(stage, items);
  return {
    stage: stage.name,
    checks: stage.checks.map((c) => ({ name: c.name, result: checkStatus(c, items).newest?.result ?? null })),
    ...(approvals === undefined
      ? {}
      : {
          approvals: { have: approvals.signers.length, need: stage.approvals!.count, by: approvals.signers },
        }),
  };
}

/** Why a piece of evidence cannot count for a rule that accepts `by`; undefined when it can. */
function whyNot(i: VerifiedEvidenceItem, by: readonly string[]): string | undefined {
  const what = i.kind === 'check' ? `a ${i.name} result` : 'an approval';
  const id = `envelope ${i.digest.slice(7, 19)}`;
  if (i.verified === 'bad signature')
    return `${what} whose signature does not verify with the key it names (${id}: payload or signature altered)`;
  if (i.verified === 'unknown key')
    return `${what} signed by a key not in trust (keyid ${i.keyid?.slice(0, 16) ?? 'none'}…, ${id})`;
  if (i.verified !== 'verified') return `${what}: ${i.verified} (${id})`;
  if (i.problem !== undefined) return `${what} by ${i.signer} ${i.problem} (${id})`;
  if (!by.includes(i.signer!)) return `${what} signed by ${i.signer}, who is not in by (${by.join(', ')})`;
  return undefined;
}
