/**
 * The promotion gates as pure functions over a snapshot: what the source stage holds, what the
 * target holds, since when the source holds the candidate (from the history), the signature checks
 * already made, and the time. No I/O here, so every gate is tested with plain values and an
 * injected `now`.
 */
import { compareVersions } from '../descriptor/index.js';
import type { StageRule } from './policy/document.js';
import { formatDuration } from './policy/duration.js';
import type { GateResult } from './policy/errors.js';

/** Where an alias points. */
export interface StagePoint {
  readonly version: string;
  readonly digest: string;
}

/** The outcome of checking one required signature on the candidate. */
export interface SignatureCheck {
  readonly name: string;
  readonly ok: boolean;
  readonly detail: string;
}

export interface GateSnapshot {
  /** The stage to move, with its rules. */
  readonly stage: StageRule;
  /** The stage the candidate was taken from (`--from`, else the rule's `from`); undefined with `--version` alone. */
  readonly sourceStage?: string;
  /** What the rule's `from` stage holds now (undefined: it does not exist). */
  readonly source?: StagePoint;
  /**
   * Since when the rule's `from` stage holds `source.digest`, from the history (an untracked move
   * restarts the clock at the move that was not recorded). Undefined when nothing tells.
   */
  readonly sourceSince?: Date;
  /** Why `sourceSince` is what it is, when that needs saying (an untracked move, no history). */
  readonly sinceNote?: string;
  readonly candidate: StagePoint;
  /** What the stage holds now (undefined: it does not exist yet). */
  readonly current?: StagePoint;
  readonly now: Date;
  readonly signatures: readonly SignatureCheck[];
  /** The outcome of the `references: present` check, when the stage has it. */
  readonly references?: { readonly ok: boolean; readonly detail: string };
  readonly allowDowngrade: boolean;
  /** The `checks` and `approvals` gates, evaluated from the candidate's evidence (`evidence/gates.ts`). */
  readonly evidence?: readonly GateResult[];
}

/** Every gate the stage's rule has, in the order of `GATES`. A stage without rules has none. */
export function evaluateGates(s: GateSnapshot): GateResult[] {
  const gates: GateResult[] = [];
  const { stage } = s;
  const candidate = s.candidate.version;
  const inSource = s.source !== undefined && s.source.digest === s.candidate.digest;
  if (stage.from !== undefined) gates.push(fromGate(s, inSource));
  if (stage.soak !== undefined) gates.push(soakGate(s, inSource));
  for (const required of stage.signatures) {
    const check = s.signatures.find((c) => c.name === required.name);
    gates.push({
      gate: 'signatures',
      signature: required.name,
      result: check?.ok === true ? 'pass' : 'refused',
      detail: check?.detail ?? `${required.name}: not checked`,
    });
  }
  if (stage.references !== undefined) {
    gates.push({
      gate: 'references',
      result: s.references?.ok === true ? 'pass' : 'refused',
      detail: s.references?.detail ?? 'not checked',
    });
  }
  if (stage.checks.length > 0 || stage.approvals !== undefined) {
    gates.push(
      ...(s.evidence ?? [
        { gate: 'checks' as const, result: 'refused' as const, detail: 'the evidence was not checked' },
      ]),
    );
  }
  if (stage.forwardOnly) {
    if (s.current === undefined)
      gates.push({ gate: 'forwardOnly', result: 'pass', detail: `${stage.name} is new` });
    else {
      const order = compareVersions(candidate, s.current.version);
      if (order >= 0) {
        gates.push({
          gate: 'forwardOnly',
          result: 'pass',
          detail:
            order === 0
              ? `${candidate} is ${stage.name}'s version`
              : `${candidate} is higher than ${stage.name}'s ${s.current.version}`,
        });
      } else if (s.allowDowngrade) {
        gates.push({
          gate: 'forwardOnly',
          result: 'pass',
          detail: `down from ${s.current.version} to ${candidate}, allowed by --allow-downgrade`,
        });
      } else {
        gates.push({
          gate: 'forwardOnly',
          result: 'refused',
          detail: `${candidate} is lower than ${stage.name}'s ${s.current.version} (pass --allow-downgrade to go back)`,
        });
      }
    }
  }
  if (stage.freeze.length > 0) gates.push(freezeGate(s));
  return gates;
}

function fromGate(s: GateSnapshot, inSource: boolean): GateResult {
  const from = s.stage.from!;
  if (s.sourceStage !== undefined && s.sourceStage !== from) {
    return {
      gate: 'from',
      result: 'refused',
      detail: `${s.stage.name} takes versions from ${from}, not from ${s.sourceStage}`,
    };
  }
  if (s.source === undefined)
    return { gate: 'from', result: 'refused', detail: `${from} holds no version (the alias does not exist)` };
  if (!inSource) {
    return {
      gate: 'from',
      result: 'refused',
      detail: `${from} holds ${s.source.version}, not ${s.candidate.version}`,
    };
  }
  return { gate: 'from', result: 'pass', detail: `${from} holds ${s.candidate.version}` };
}

function soakGate(s: GateSnapshot, inSource: boolean): GateResult {
  const from = s.stage.from!;
  const soak = s.stage.soak!;
  if (!inSource)
    return { gate: 'soak', result: 'refused', detail: `${s.candidate.version} is not in ${from} now` };
  if (s.sourceSince === undefined) {
    return {
      gate: 'soak',
      result: 'refused',
      detail: `no record of when ${from} took ${s.candidate.version}${s.sinceNote ? ` (${s.sinceNote})` : ''}`,
    };
  }
  const held = s.now.getTime() - s.sourceSince.getTime();
  const note = s.sinceNote ? `; ${s.sinceNote}` : '';
  if (held >= soak.ms) {
    return {
      gate: 'soak',
      result: 'pass',
      detail: `in ${from} for ${formatDuration(held)} (soak ${soak.text})${note}`,
    };
  }
  // The time left to the second, never rounded up: 59m59s left is not "1h left".
  const left = soak.ms - Math.max(0, held);
  return {
    gate: 'soak',
    result: 'refused',
    detail: `in ${from} for ${formatDuration(held)} of ${soak.text}: ${formatDuration(left, { seconds: true })} left (passes at ${iso(new Date(s.sourceSince.getTime() + soak.ms))})${note}`,
  };
}

function freezeGate(s: GateSnapshot): GateResult {
  const now = s.now.getTime();
  const active = s.stage.freeze.find((w) => w.from.getTime() <= now && now < w.until.getTime());
  if (active) {
    return {
      gate: 'freeze',
      result: 'refused',
      detail: `frozen until ${iso(active.until)}${active.reason ? `: ${active.reason}` : ''}`,
    };
  }
  const next = s.stage.freeze
    .filter((w) => w.from.getTime() > now)
    .sort((a, b) => a.from.getTime() - b.from.getTime())[0];
  return {
    gate: 'freeze',
    result: 'pass',
    detail: next ? `not frozen; next freeze from ${iso(next.from)}` : 'not frozen',
  };
}

/** RFC 3339 in UTC without milliseconds. */
export function iso(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
