/**
 * The shapes of the board's JSON API (`/api/...`), shared by the server and the page. Types only,
 * with no imports, so that the page (built for browsers) can use them without the Node code.
 * `GET /api/board` is the documented contract (docs/board.md): `components[].name` and `stages.<alias>.{version,digest,since}`.
 */

/** One cell: what a stage (alias) of a component points at. */
export interface StageCell {
  readonly version: string;
  readonly digest: string;
  /** Since when the stage holds this digest (RFC 3339), from the history; null when unknown. */
  readonly since: string | null;
  /** Names of the signatures the version's descriptor carries; null when not read. */
  readonly signatures: readonly string[] | null;
  /**
   * Whether the signatures the stage's policy requires verify: true, false, or null when nothing
   * requires any (or they were not checked).
   */
  readonly verified: boolean | null;
  /** The stage before this one (policy `from`, else the previous column) when this one trails it. */
  readonly lagsBehind: string | null;
  /**
   * The version's evidence against the checks and approvals of the stages it feeds (else of its own
   * stage): one entry per such stage; absent when no stage asks for evidence, null when unreadable.
   */
  readonly evidence?: readonly CellEvidence[] | null;
  /** Where the stage lives when not in the row's repository (the stages document's `repository:`). */
  readonly repository?: string;
  /**
   * Whether the move that put the stage here was signed by a key of the document's `trust` (and, for
   * a stage with `movers`, one of them); absent for an unsigned move of a stage without movers.
   */
  readonly move?: CellMove;
}

/** Who moved a stage where it is, verified against the stages document's `trust` and `movers`. */
export interface CellMove {
  /** The trusted name whose key verified the move's signature; null when none did. */
  readonly signer: string | null;
  /** Signed by a trusted key, and by one of the stage's `movers` where it has them. */
  readonly verified: boolean;
  readonly detail: string;
}

/** Where a version stands against one stage's evidence rules (verified with the document's trust). */
export interface CellEvidence {
  readonly stage: string;
  /** Per required check: the newest counting result, or null when there is none. */
  readonly checks: readonly {
    readonly name: string;
    readonly result: 'PASSED' | 'WARNED' | 'FAILED' | null;
  }[];
  readonly approvals?: { readonly have: number; readonly need: number; readonly by: readonly string[] };
}

export interface BoardComponent {
  readonly name: string;
  /** Index of the repository in the board's list (a board may show several). */
  readonly repository: number;
  readonly stages: Readonly<Record<string, StageCell>>;
  /** Stage order from the component's stages policy, when it has one. */
  readonly policy?: readonly string[];
  /** Aliases that could not be read, with the reason; shown, not fatal. */
  readonly problems?: readonly { readonly alias: string; readonly problem: string }[];
  /** Stages of its policy that live in another repository: stage → reference, as the document names it. */
  readonly elsewhere?: Readonly<Record<string, string>>;
  /** Stages elsewhere that could not be read: stage → the reason (the cell shows it). */
  readonly unavailable?: Readonly<Record<string, string>>;
}

export interface BoardRepository {
  readonly index: number;
  /** The reference as given on the command line (no credentials: references refuse them). */
  readonly label: string;
  readonly writable: boolean;
}

/** What `GET /api/board` returns; `components[].name` and `stages.<alias>.{version,digest,since}` are fixed (docs/board.md). */
export interface Board {
  readonly repositories: readonly BoardRepository[];
  /** Column order. */
  readonly stages: readonly string[];
  readonly components: readonly BoardComponent[];
  /** When the board was read (RFC 3339). */
  readonly time: string;
  /** Whether this server accepts promotions (`--write`). */
  readonly write: boolean;
}

export type ElementChangeKind = 'added' | 'removed' | 'changed';

/** One resource or source that differs between two versions. */
export interface ElementChange {
  readonly kind: 'resource' | 'source';
  readonly change: ElementChangeKind;
  /** `name` plus extra identity (and `version` where the name repeats), as `key=value` pairs. */
  readonly identity: Readonly<Record<string, string>>;
  /** For `changed`: what changed (`digest`, `labels`, `version`, `access`, `type`). */
  readonly fields: readonly string[];
  readonly before?: ElementSummary;
  readonly after?: ElementSummary;
}

export interface ElementSummary {
  readonly version: string;
  readonly type: string;
  /** The content digest (`digest.value`), when the descriptor carries one. */
  readonly digest: string | null;
  readonly labels: readonly { readonly name: string; readonly value: string }[];
}

/** One side of a component reference: the part it names. */
export interface ReferenceSummary {
  readonly component: string;
  readonly version: string;
  /** The referenced version's normalised digest (`digest.value`), when the reference carries one. */
  readonly digest: string | null;
}

/** A component reference (a part of a product) that differs between two versions. */
export interface ReferenceChange {
  readonly change: ElementChangeKind;
  /** `name` plus extra identity, as `key=value` pairs. */
  readonly identity: Readonly<Record<string, string>>;
  /** For `changed`: what changed (`component`, `version`, `digest`, `labels`). */
  readonly fields: readonly string[];
  readonly before?: ReferenceSummary;
  readonly after?: ReferenceSummary;
  /** For a changed reference to the same component: the part's own diff between its two versions. */
  readonly part?: VersionDiff;
  /** Why the part's diff is missing (not in this repository, too deep). */
  readonly partProblem?: string;
}

export interface VersionDiff {
  readonly component: string;
  readonly from: string;
  readonly to: string;
  readonly changes: readonly ElementChange[];
  /** Component references added, removed or changed; changed parts carry their own diff. */
  readonly references: readonly ReferenceChange[];
  /** Component labels that differ. */
  readonly labels: readonly {
    readonly name: string;
    readonly before: string | null;
    readonly after: string | null;
  }[];
}

/** The evidence stored about a version a stage holds, each envelope with its signer (`get evidence`). */
export interface VersionEvidence {
  readonly version: string;
  readonly digest: string;
  /** The stages of the row that hold it. */
  readonly stages: readonly string[];
  /** Newest first. */
  readonly items: readonly EvidenceEntry[];
  /** Why the evidence could not be read. */
  readonly problem?: string;
}

export interface EvidenceEntry {
  readonly type: 'check' | 'approval' | 'other' | 'unreadable';
  /** The check's name, or the predicate type of another statement. */
  readonly name?: string;
  /** Approval: the stage approved; check: where it ran. */
  readonly stage?: string;
  readonly result?: string;
  /** The trusted name (the stages document's `trust`) whose key verified the envelope. */
  readonly signer: string | null;
  readonly verified: 'verified' | 'bad signature' | 'unknown key' | 'unsigned' | 'unreadable';
  readonly time?: string;
  /** Why it does not count (unreadable, about another digest). */
  readonly problem?: string;
}

export interface ComponentPage {
  readonly name: string;
  readonly repository: number;
  readonly row: BoardComponent;
  /** Column order: every stage of the policy (empty ones included), then the others the row holds. */
  readonly stages: readonly string[];
  /** Whether this server accepts moves (`--write`). */
  readonly write: boolean;
  /** Newest first, with the aliases on each. */
  readonly versions: readonly { readonly version: string; readonly aliases: readonly string[] }[];
  /** Newest first; empty without the stages layer. */
  readonly history: readonly unknown[];
  readonly historyProblem?: string;
  /** Per version on a stage of the row: its evidence envelopes and their signers; absent without the stages layer. */
  readonly evidence?: readonly VersionEvidence[];
}

/**
 * One line of `GET /api/board/rows` (newline-delimited JSON): first `start`, then a `row` per
 * component as soon as it is read (in no particular order) or a `problem` where it could not be,
 * then `end`.
 */
export type BoardStreamLine =
  | {
      readonly type: 'start';
      readonly repositories: readonly BoardRepository[];
      readonly time: string;
      readonly write: boolean;
    }
  | { readonly type: 'row'; readonly row: BoardComponent }
  | {
      readonly type: 'problem';
      readonly repository: number;
      readonly component: string | null;
      readonly message: string;
    }
  | { readonly type: 'end'; readonly components: number };
