/**
 * The promotion gates that read a repository (promote.ts evaluates them): the candidate's evidence
 * against the document's `trust`, its required signatures, its references, and who signed the moves
 * of the stages (`movers`). Each returns a verdict; failures to read the store are thrown.
 */
import { createPublicKey, type KeyObject } from 'node:crypto';
import { keyId, loadVerifyingKey } from '../attestation/index.js';
import { OcmError } from '../errors.js';
import type { OperationOptions } from '../oci/content/storage.js';
import { RepositoryListResolver, walkReferences } from '../repository/references.js';
import type { OcmRepository } from '../repository/repository.js';
import { checkComponentVersion, verifyComponentVersion } from '../repository/signing.js';
import type { KeyInput } from '../signing/index.js';
import { evidenceSubject, listEvidence, verifyEvidence } from './evidence/evidence.js';
import { type EvidenceGates, evaluateEvidenceGates } from './evidence/gates.js';
import type { SignatureCheck, StagePoint } from './gates.js';
import { aliasHeldSince } from './history/index.js';
import { verifyEvent } from './history/signed.js';
import { findStage, type StagePolicy, type StageRule } from './policy/document.js';
import type { GateResult } from './policy/errors.js';
import type { StoredStagesDocument } from './policy/store.js';

/**
 * The `checks` and `approvals` gates: the candidate's evidence (about its normalised digest), verified
 * with the document's `trust` keys. Costs: the candidate's descriptor, one listing of the tags, one GET
 * per envelope.
 */
export async function checkEvidence(
  repository: OcmRepository,
  component: string,
  doc: StoredStagesDocument,
  stage: StageRule,
  candidate: StagePoint,
  options: OperationOptions,
): Promise<EvidenceGates> {
  const subject = await evidenceSubject(repository, component, candidate.digest, options);
  const { items } = await listEvidence(repository, component, candidate.digest, { ...options, subject });
  const verified = verifyEvidence(
    items,
    doc.policy.trust.map((t) => ({ name: t.name, publicKey: t.publicKey })),
  );
  return evaluateEvidenceGates(stage, verified);
}

/**
 * The `movers` gate (docs/stages.md): a source stage with `movers` feeds a promotion only when the
 * move that put it where it is was signed by one of them (a stage moved unsigned, by another key, or
 * around ocm-ts is untrusted); a stage with `movers` is moved only by a promotion signed by one of
 * them (`--key`).
 */
export async function checkMovers(
  repository: OcmRepository,
  component: string,
  policy: StagePolicy,
  stage: StageRule,
  at: { source?: string; sourcePoint?: StagePoint; signingKey?: KeyObject; op: OperationOptions },
): Promise<GateResult[]> {
  const sourceRule = at.source === undefined ? undefined : findStage(policy, at.source);
  if (sourceRule?.movers === undefined && stage.movers === undefined) return [];
  const trusted = (names: readonly string[]) =>
    policy.trust
      .filter((t) => names.includes(t.name))
      .map((t) => ({ name: t.name, key: loadVerifyingKey(t.publicKey) }));
  const out: GateResult[] = [];
  if (sourceRule?.movers !== undefined && at.sourcePoint !== undefined) {
    const movers = sourceRule.movers;
    const held = await aliasHeldSince(repository, component, sourceRule.name, at.op);
    const event = held.target?.digest === at.sourcePoint.digest ? held.event : undefined;
    const who = event === undefined ? undefined : verifyEvent(event, trusted(movers));
    if (who !== undefined && movers.includes(who)) {
      out.push({
        gate: 'movers',
        result: 'pass',
        detail: `${sourceRule.name} was moved there by ${who} (signed)`,
      });
    } else {
      const why =
        event === undefined
          ? 'no recorded move put it there'
          : who === '-'
            ? `moved there unsigned (by ${event.actor})`
            : `moved there with ${who === 'unknown key' ? 'a key not among its movers' : 'a bad signature'}`;
      out.push({
        gate: 'movers',
        result: 'refused',
        detail: `${sourceRule.name} is untrusted: ${why}; its moves must be signed by ${movers.join(', ')}`,
      });
    }
  }
  if (stage.movers !== undefined) {
    const mine = at.signingKey === undefined ? undefined : keyId(createPublicKey(at.signingKey));
    const match = trusted(stage.movers).find((t) => keyId(t.key) === mine);
    out.push(
      match
        ? { gate: 'movers', result: 'pass', detail: `this move is signed by ${match.name}` }
        : {
            gate: 'movers',
            result: 'refused',
            detail: `moves of ${stage.name} must be signed by ${stage.movers.join(', ')} (--key)${mine === undefined ? '' : '; this key is none of theirs'}`,
          },
    );
  }
  return out;
}

/**
 * Verifies each required signature on the candidate with the key given for it, else the document's.
 * A verification failure is a refused gate with its reason; failures to read the repository are thrown.
 */
export async function checkSignatures(
  repository: OcmRepository,
  component: string,
  stage: StageRule,
  candidate: StagePoint,
  options: OperationOptions & { readonly publicKeys?: Readonly<Record<string, KeyInput>> },
): Promise<SignatureCheck[]> {
  const checks: SignatureCheck[] = [];
  for (const required of stage.signatures) {
    const given = options.publicKeys?.[required.name];
    const key = given ?? required.publicKey;
    if (key === undefined) {
      checks.push({
        name: required.name,
        ok: false,
        detail: `${required.name}: no public key in the document; pass --public-key ${required.name}=FILE`,
      });
      continue;
    }
    try {
      const result = await verifyComponentVersion(repository, component, candidate.version, {
        name: required.name,
        publicKey: key,
        ...(options.signal ? { signal: options.signal } : {}),
      });
      if (result.digest !== candidate.digest) {
        checks.push({
          name: required.name,
          ok: false,
          detail: `${required.name}: ${candidate.version} changed while it was checked; plan again`,
        });
      } else {
        checks.push({
          name: required.name,
          ok: true,
          detail: `${required.name}: verified (${result.signature.algorithm}, key ${given === undefined ? 'from the document' : 'given'})`,
        });
      }
    } catch (err) {
      if (!(err instanceof OcmError) || isTransient(err)) throw err;
      checks.push({ name: required.name, ok: false, detail: `${required.name}: ${err.message}` });
    }
  }
  return checks;
}

/**
 * `references: present`: every component version the candidate references, transitively, is in this
 * repository (`walkReferences`: none missing, no cycle), and its stored digests verify against what
 * they describe (`checkComponentVersion`: local resources, reference digests), so a product never
 * reaches the stage incomplete.
 */
export async function checkReferences(
  repository: OcmRepository,
  component: string,
  candidate: StagePoint,
  options: OperationOptions,
): Promise<{ ok: boolean; detail: string }> {
  try {
    const walk = await walkReferences(
      new RepositoryListResolver([repository]),
      repository,
      component,
      candidate.digest,
      options,
    );
    for (const found of walk.order)
      await checkComponentVersion(
        found.repository,
        found.resolution.component,
        found.resolution.version,
        options,
      );
    const parts = walk.order.length - 1;
    return {
      ok: true,
      detail:
        parts === 0
          ? 'references nothing'
          : `${parts} referenced version${parts === 1 ? '' : 's'} present and verified`,
    };
  } catch (err) {
    if (!(err instanceof OcmError) || isTransient(err)) throw err;
    return { ok: false, detail: err.message };
  }
}

/** Failures of the store rather than of the signature: not a gate's verdict. */
export function isTransient(err: OcmError): boolean {
  return err.code.startsWith('REGISTRY_') || err.code === 'LOCK_TIMEOUT';
}
