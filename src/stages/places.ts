/**
 * Where stages live (docs/stages.md, "Stages in other repositories"). A stage lives in the repository
 * of the stages document that names it, unless its rule names another (`repository:`, a registry or
 * a CTF path, as the CLI names repositories). Promotion reads and writes several repositories; this
 * opens each one once per promotion, through the caller's opener (the caller owns what it opens).
 */
import { NotFoundError } from '../errors.js';
import type { OperationOptions } from '../oci/content/storage.js';
import type { OcmRepository } from '../repository/repository.js';
import { findStage, type StagePolicy } from './policy/document.js';
import { PromotionRequestError } from './policy/errors.js';

/** Opens a repository by the name a stages document gives it (`repository:`). */
export type RepositoryOpener = (
  reference: string,
  options: OperationOptions & {
    /** Create it when it does not exist (a CTF that a promotion hands over into). Default false. */
    readonly create?: boolean;
  },
) => Promise<OcmRepository>;

/** A repository a promotion touches: the one the stages document came from, or one a stage names. */
export interface Place {
  /** Undefined for the document's own repository. */
  readonly reference?: string;
  /** Undefined: a CTF that does not exist yet (only when opened without `create`). */
  readonly repository?: OcmRepository;
}

export class StagePlaces {
  readonly home: OcmRepository;
  readonly #open: RepositoryOpener | undefined;
  readonly #opened = new Map<string, Promise<OcmRepository | undefined>>();
  readonly #create: boolean;

  constructor(home: OcmRepository, open: RepositoryOpener | undefined, how: { readonly create: boolean }) {
    this.home = home;
    this.#open = open;
    this.#create = how.create;
  }

  /**
   * Where `stage` of `policy` lives: where its rule says, else in `home`, the repository the policy
   * came from (by default the home repository of the promotion).
   */
  async of(
    policy: StagePolicy,
    stage: string,
    options: OperationOptions,
    home: Place = { repository: this.home },
  ): Promise<Place> {
    const reference = findStage(policy, stage)?.repository;
    return reference === undefined ? home : this.at(reference, options);
  }

  /** The repository named `reference`, opened once. */
  async at(reference: string, options: OperationOptions): Promise<Place> {
    const open = this.#open;
    if (open === undefined) {
      throw new PromotionRequestError(
        `a stage lives in ${reference}, and this caller cannot open other repositories`,
        { hint: 'pass openRepository (the CLI does)' },
      );
    }
    let pending = this.#opened.get(reference);
    if (pending === undefined) {
      pending = open(reference, { ...options, create: this.#create }).catch((err: unknown) => {
        // A hand-over archive that does not exist yet holds nothing: the plan says so; the move creates it.
        if (!this.#create && err instanceof NotFoundError) return undefined;
        throw err;
      });
      this.#opened.set(reference, pending);
    }
    const repository = await pending;
    return { reference, ...(repository === undefined ? {} : { repository }) };
  }
}
