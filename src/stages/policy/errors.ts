import { OcmError, type OcmErrorOptions } from '../../errors.js';

/** One problem in a stages document: `path` in the form `stages[2].soak` (empty for the document). */
export interface StagePolicyIssue {
  readonly path: string;
  readonly message: string;
}

const MESSAGE_ISSUE_LIMIT = 20;

/**
 * A stages document that cannot be read or breaks the rules (schema, stage names, `from` chain,
 * durations, keys, freeze windows). `issues` names every failing path; nothing was written.
 */
export class InvalidStagePolicyError extends OcmError {
  readonly issues: readonly StagePolicyIssue[];
  constructor(issues: readonly StagePolicyIssue[], options: OcmErrorOptions = {}) {
    const shown = issues
      .slice(0, MESSAGE_ISSUE_LIMIT)
      .map((i) => (i.path === '' ? i.message : `${i.path}: ${i.message}`));
    if (issues.length > MESSAGE_ISSUE_LIMIT)
      shown.push(`... and ${issues.length - MESSAGE_ISSUE_LIMIT} more`);
    super(
      'INVALID_STAGE_POLICY',
      `invalid stages document (${issues.length === 1 ? '1 problem' : `${issues.length} problems`}): ${shown.join('; ')}`,
      {
        hint: 'fix each listed field; the README section "Stages and promotion" describes the stages document',
        ...options,
      },
    );
    this.issues = issues;
  }
}

/** The result of one gate, as the plan shows it and the history records it. */
export interface GateResult {
  readonly gate: GateName;
  /** For the `signatures` gate: which required signature this row is about. */
  readonly signature?: string;
  /** For the `checks` gate: which required check this row is about. */
  readonly check?: string;
  readonly result: 'pass' | 'refused';
  readonly detail: string;
  /**
   * `target`: the gate is of the stages document of the repository the stage lives in (which keeps
   * its own rules); absent: of the document the promotion was asked in.
   */
  readonly rules?: 'target';
}

/** The gates, in the order they are evaluated and shown. */
export const GATES = [
  'from',
  'soak',
  'signatures',
  'references',
  'checks',
  'approvals',
  'movers',
  'forwardOnly',
  'freeze',
] as const;
export type GateName = (typeof GATES)[number];

/**
 * A stage policy refused a move: a promotion whose gates did not all pass, or a plain alias move
 * onto a stage that has gates. Nothing was changed. The CLI exits 3 on this error.
 */
export class PolicyError extends OcmError {
  readonly component: string;
  readonly stage: string;
  /** The gates that refused (for a plain move onto a gated stage: empty). */
  readonly refused: readonly GateResult[];
  constructor(
    component: string,
    stage: string,
    message: string,
    refused: readonly GateResult[],
    options: OcmErrorOptions = {},
  ) {
    super('POLICY_REFUSED', message, options);
    this.component = component;
    this.stage = stage;
    this.refused = refused;
  }
}

/**
 * A promotion that names no candidate: the stage has no `from` and no version was named, or
 * `version` names an alias. A mistake in the request, not a gate's verdict (the CLI exits 1).
 */
export class PromotionRequestError extends OcmError {
  constructor(message: string, options: OcmErrorOptions = {}) {
    super('PROMOTION_REQUEST', message, options);
  }
}
