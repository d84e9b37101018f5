import { compareVersions, type DescriptorV2 } from '../descriptor/index.js';
import { NotFoundError } from '../errors.js';
import { mapLimit } from '../oci/concurrency.js';
import type { OperationOptions } from '../oci/content/storage.js';
import type { AliasInfo, OcmRepository } from '../repository/index.js';
import type {
  Board,
  BoardComponent,
  BoardRepository,
  BoardStreamLine,
  CellEvidence,
  CellMove,
  ComponentPage,
  ReferenceChange,
  StageCell,
  VersionDiff,
  VersionEvidence,
} from './api.js';
import { diffVersions } from './diff.js';
import { BoardUnavailableError } from './errors.js';
import { feedingStages, lagOf, orderStages } from './model.js';

export type { ComponentPage } from './api.js';

/** One repository shown on the board. */
export interface BoardSource {
  /** The reference as the user gave it. */
  readonly label: string;
  readonly repository: OcmRepository;
}

/** What the stages layer tells the board about one component (history, policy). */
export interface StagesView {
  /** Since when each alias holds its current digest (RFC 3339), null where the history does not tell. */
  readonly since: Readonly<Record<string, string | null>>;
  /** Stage order and feeders from the component's stages policy. */
  readonly policy?: { readonly order: readonly string[]; readonly from: Readonly<Record<string, string>> };
  /** Per stage: whether the signatures its policy requires verify on the version it holds. */
  readonly verified?: Readonly<Record<string, boolean>>;
  /** Per stage: the evidence of the version it holds (see `StageCell.evidence`). */
  readonly evidence?: Readonly<Record<string, readonly CellEvidence[] | null>>;
  /** Stages of the policy that live in another repository (`repository:`), read there. */
  readonly elsewhere?: Readonly<Record<string, RemoteStage>>;
  /** Per stage: who moved it where it is (see `StageCell.move`). */
  readonly moves?: Readonly<Record<string, CellMove>>;
}

/** A stage that lives in another repository: where, and what it holds there or why it was not read. */
export interface RemoteStage {
  /** The reference as the stages document names it. */
  readonly reference: string;
  /** The repository it was read from; absent when it could not be opened. */
  readonly repository?: OcmRepository;
  /** What the stage holds there; absent when it is not set there (or could not be read). */
  readonly alias?: AliasInfo & { readonly version: string; readonly digest: string };
  /** Why the stage could not be read. */
  readonly problem?: string;
}

/** Where a stage elsewhere is opened: `create` a CTF that does not exist (a promotion hands over into it). */
export type OpenStageOptions = OperationOptions & { readonly create?: boolean };

/**
 * Opens a repository that a stages document names (`repository:`); the board keeps and closes it.
 * The stages layer's `RepositoryOpener`.
 */
export type StageOpener = (reference: string, options: OpenStageOptions) => Promise<OcmRepository>;

/** How the board opens other repositories: as the CLI names them (`ctx.open`). */
export type BoardOpener = (
  reference: string,
  options: OpenStageOptions,
) => Promise<{ readonly repository: OcmRepository; close(): Promise<void> }>;

/**
 * The seam to the stages layer (history, policies, promotion), so the board reads and moves stages
 * through the same code as the CLI. Without it the board shows no ages, history or policy and
 * offers no promotion.
 */
export interface BoardStages {
  view(
    repository: OcmRepository,
    component: string,
    aliases: readonly AliasInfo[],
    options: OperationOptions,
    open?: StageOpener,
  ): Promise<StagesView>;
  history(repository: OcmRepository, component: string, options: OperationOptions): Promise<unknown[]>;
  /**
   * The evidence about each version (read where it is held), verified against the `trust` of the
   * stages document in `repository`.
   */
  evidence(
    repository: OcmRepository,
    component: string,
    versions: readonly EvidenceRequest[],
    options: OperationOptions,
  ): Promise<VersionEvidence[]>;
  plan(
    repository: OcmRepository,
    component: string,
    request: MoveRequest,
    options: OperationOptions,
    open?: StageOpener,
  ): Promise<unknown>;
  promote(
    repository: OcmRepository,
    component: string,
    request: MoveRequest,
    options: OperationOptions,
    open?: StageOpener,
  ): Promise<unknown>;
  rollback(
    repository: OcmRepository,
    component: string,
    request: MoveRequest,
    options: OperationOptions,
    open?: StageOpener,
  ): Promise<unknown>;
}

/** A version whose evidence the component page lists: where it is held, and by which stages. */
export interface EvidenceRequest {
  readonly version: string;
  readonly digest: string;
  readonly stages: readonly string[];
  /** The repository holding it (a stage elsewhere), else undefined: the row's. */
  readonly from?: OcmRepository;
  /** Why the repository holding it could not be opened. */
  readonly problem?: string;
}

/** A promotion or rollback asked for by the page. */
export interface MoveRequest {
  readonly stage: string;
  /** Promote this version instead of what the stage's `from` holds. */
  readonly version?: string;
  /** Where the stage must point now (version or digest, or `absent`): a stale page is refused. */
  readonly expect: string;
  readonly message?: string;
  readonly actor?: string;
}

export interface BoardReaderOptions {
  readonly sources: readonly BoardSource[];
  readonly stages?: BoardStages;
  /** Components read at once. Default 16 (a remote registry's latency, not its bandwidth, bounds a board). */
  readonly concurrency?: number;
  readonly now?: () => Date;
  /** Whether promotion is allowed (`--write`): reported to the page. */
  readonly write?: boolean;
  /**
   * Opens the repositories that stages live in (`repository:` in a stages document), once per
   * distinct reference; closed by `close`. Without it such stages show as unavailable.
   */
  readonly open?: BoardOpener;
}

/**
 * Reads the board from its repositories and keeps what it read: rows until a move invalidates them
 * (`invalidate`), descriptors forever (a digest names immutable content).
 */
export class BoardReader {
  readonly #options: BoardReaderOptions;
  readonly #concurrency: number;
  /** Rows read or being read, with the signal of the request that began each read. */
  readonly #rows = new Map<string, { pending: Promise<BoardComponent>; signal: AbortSignal | undefined }>();
  readonly #components = new Map<number, Promise<string[]>>();
  readonly #descriptors = new Map<string, Promise<DescriptorV2>>();
  /** Repositories opened for stages elsewhere, by reference. */
  readonly #remote = new Map<
    string,
    { pending: Promise<{ repository: OcmRepository; close(): Promise<void> }>; create: boolean }
  >();
  #closed = false;

  constructor(options: BoardReaderOptions) {
    this.#options = options;
    this.#concurrency = Math.max(1, options.concurrency ?? 16);
  }

  /** The stages layer, when the board has one (promotion, history). */
  get stagesLayer(): BoardStages | undefined {
    return this.#options.stages;
  }

  get sources(): readonly BoardSource[] {
    return this.#options.sources;
  }

  /**
   * The repository a stages document names (`repository:`): one of the board's own when the
   * reference is one of theirs, else opened once (a failed open is tried again on the next read).
   */
  remote: StageOpener = async (reference, options) => {
    const own = this.#options.sources.find((s) => s.label === reference);
    if (own) return own.repository;
    const open = this.#options.open;
    if (!open) throw new BoardUnavailableError('this board opens no repositories beyond its own');
    if (this.#closed) throw new BoardUnavailableError('the board is closed');
    const create = options.create === true;
    let entry = this.#remote.get(reference);
    if (!entry) {
      // Opened for the board, not for the request that first needed it: no request's signal.
      const opening = { pending: open(reference, create ? { create } : {}), create };
      this.#remote.set(reference, opening);
      opening.pending.catch(() => {
        if (this.#remote.get(reference) === opening) this.#remote.delete(reference);
      });
      entry = opening;
    }
    try {
      return (await abortable(entry.pending, options.signal)).repository;
    } catch (err) {
      // Found absent by a read while a promotion asks to create it (a hand-over archive): once more, creating.
      if (create && !entry.create && err instanceof NotFoundError && !options.signal?.aborted)
        return this.remote(reference, options);
      throw err;
    }
  };

  /** Closes the repositories opened for stages elsewhere. */
  async close(): Promise<void> {
    this.#closed = true;
    const opened = [...this.#remote.values()];
    this.#remote.clear();
    for (const { pending } of opened) {
      const o = await pending.catch(() => undefined);
      await o?.close().catch(() => undefined);
    }
  }

  repositories(): BoardRepository[] {
    return this.#options.sources.map((s, index) => ({
      index,
      label: s.label,
      writable: this.#options.write === true,
    }));
  }

  source(index: number): BoardSource {
    const s = this.#options.sources[index];
    if (!s) throw new NotFoundError(`no repository ${index} on this board`);
    return s;
  }

  /** Forgets a component's row (after a move), or everything. */
  invalidate(repository?: number, component?: string): void {
    if (repository === undefined) {
      this.#rows.clear();
      this.#components.clear();
      return;
    }
    if (component === undefined) {
      this.#components.delete(repository);
      for (const k of this.#rows.keys()) if (k.startsWith(`${repository}\n`)) this.#rows.delete(k);
      return;
    }
    this.#rows.delete(`${repository}\n${component}`);
  }

  /** Forgets the list of a repository's components (a new one appeared), keeping its rows. */
  invalidateComponents(repository: number): void {
    this.#components.delete(repository);
  }

  async components(repository: number, options: OperationOptions): Promise<string[]> {
    let pending = this.#components.get(repository);
    if (!pending) {
      pending = this.source(repository).repository.listComponents(options);
      this.#components.set(repository, pending);
      pending.catch(() => this.#components.delete(repository));
    }
    return pending;
  }

  /**
   * The board as it is read: `start`, then a `row` (or a `problem`) per component the moment it is
   * read, then `end`. A repository's components are listed first (one catalog read on a registry),
   * their rows read `concurrency` at a time; nothing waits for the whole board.
   */
  async stream(write: (line: BoardStreamLine) => void, options: OperationOptions = {}): Promise<void> {
    write({
      type: 'start',
      repositories: this.repositories(),
      time: (this.#options.now?.() ?? new Date()).toISOString(),
      write: this.#options.write === true,
    });
    let count = 0;
    let first = true;
    for (let i = 0; i < this.#options.sources.length; i++) {
      let names: string[];
      try {
        names = await this.components(i, options);
      } catch (err) {
        if (options.signal?.aborted) throw err;
        write({ type: 'problem', repository: i, component: null, message: (err as Error).message });
        continue;
      }
      const one = async (name: string) => {
        try {
          const row = await this.row(i, name, options);
          count++;
          write({ type: 'row', row });
        } catch (err) {
          if (options.signal?.aborted) throw err;
          write({ type: 'problem', repository: i, component: name, message: (err as Error).message });
        }
      };
      // The board's first row alone: it then takes one row's round trips, not a share of sixteen's.
      let rest = names;
      if (first && names.length > 0) {
        await one(names[0]!);
        rest = names.slice(1);
        first = false;
      }
      await mapLimit(rest, this.#concurrency, one);
    }
    write({ type: 'end', components: count });
  }

  async board(options: OperationOptions = {}): Promise<Board> {
    const all: { repository: number; name: string }[] = [];
    for (let i = 0; i < this.#options.sources.length; i++)
      for (const name of await this.components(i, options)) all.push({ repository: i, name });
    const rows = await mapLimit(all, this.#concurrency, (c) => this.row(c.repository, c.name, options));
    return this.assemble(rows);
  }

  /** The board of the given rows: columns from every row's stages and policies, lag marks set. */
  assemble(rows: readonly BoardComponent[]): Board {
    const present = new Set<string>();
    for (const r of rows) for (const s of Object.keys(r.stages)) present.add(s);
    const stages = orderStages(
      present,
      rows.map((r) => r.policy ?? []),
    );
    return {
      repositories: this.repositories(),
      stages,
      components: rows,
      time: (this.#options.now?.() ?? new Date()).toISOString(),
      write: this.#options.write === true,
    };
  }

  row(repository: number, component: string, options: OperationOptions = {}): Promise<BoardComponent> {
    const key = `${repository}\n${component}`;
    let entry = this.#rows.get(key);
    if (!entry) {
      const read = { pending: this.#readRow(repository, component, options), signal: options.signal };
      this.#rows.set(key, read);
      read.pending.catch(() => {
        if (this.#rows.get(key) === read) this.#rows.delete(key);
      });
      entry = read;
    }
    const { pending, signal } = entry;
    return pending.catch((err) => {
      // The request that began the read went away (a page that moved on): read again for this one.
      if (signal?.aborted && !options.signal?.aborted) return this.row(repository, component, options);
      throw err;
    });
  }

  async #readRow(repository: number, component: string, options: OperationOptions): Promise<BoardComponent> {
    const { repository: repo } = this.source(repository);
    const aliases = await repo.listComponentVersionAliases(component, options);
    const readable = aliases.filter((a) => a.version !== undefined && a.digest !== undefined);
    // The history and policy reads and the descriptor reads are independent: one round trip, not two.
    const viewing: Promise<StagesView> = this.#options.stages
      ? this.#options.stages
          .view(repo, component, readable, options, this.remote)
          .catch(() => ({ since: {} }))
      : Promise.resolve({ since: {} });
    const signatures = new Map<string, readonly string[] | null>();
    const readSignatures = (from: OcmRepository, list: readonly AliasInfo[]) =>
      mapLimit([...new Map(list.map((a) => [a.digest!, a])).values()], this.#concurrency, async (a) => {
        try {
          const d = await this.#descriptorIn(from, component, a.version!, a.digest!, options);
          signatures.set(
            a.digest!,
            (d.signatures ?? []).map((s) => s.name),
          );
        } catch {
          signatures.set(a.digest!, null);
        }
      });
    await readSignatures(repo, readable);
    const view = await viewing;
    // A read cut off (the page went elsewhere) is not a row: unread parts would be cached as absent.
    options.signal?.throwIfAborted();
    const elsewhere = Object.entries(view.elsewhere ?? {});
    // A stage elsewhere is read there: a tag of the same name here is not that stage.
    const here = readable.filter((a) => view.elsewhere?.[a.alias] === undefined);
    const away = elsewhere.flatMap(([, r]) =>
      r.alias && r.repository ? [{ ...r.alias, from: r.repository }] : [],
    );
    for (const a of away) if (!signatures.has(a.digest)) await readSignatures(a.from, [a]);
    const columns = orderStages(
      here.map((a) => a.alias),
      view.policy ? [view.policy.order] : [],
    );
    const byAlias = new Map<string, AliasInfo>([...here, ...away].map((a) => [a.alias, a]));
    const feeds = feedingStages(columns, new Set(byAlias.keys()), view.policy?.from ?? {});
    const stages: Record<string, StageCell> = {};
    for (const stage of columns) {
      const a = byAlias.get(stage);
      if (!a) continue;
      const feeder = feeds.get(stage);
      const f = feeder === undefined ? undefined : byAlias.get(feeder);
      stages[stage] = {
        version: a.version!,
        digest: a.digest!,
        since: view.since[stage] ?? null,
        signatures: signatures.get(a.digest!) ?? null,
        verified: view.verified?.[stage] ?? null,
        ...(view.evidence?.[stage] === undefined ? {} : { evidence: view.evidence[stage] }),
        ...(view.elsewhere?.[stage] === undefined ? {} : { repository: view.elsewhere[stage].reference }),
        ...(view.moves?.[stage] === undefined ? {} : { move: view.moves[stage] }),
        lagsBehind:
          f && lagOf({ version: a.version!, digest: a.digest! }, { version: f.version!, digest: f.digest! })
            ? feeder!
            : null,
      };
    }
    const problems = aliases
      .filter((a) => a.problem !== undefined)
      .map((a) => ({ alias: a.alias, problem: a.problem! }));
    const unavailable = elsewhere.filter(([, r]) => r.problem !== undefined);
    return {
      name: component,
      repository,
      stages,
      ...(view.policy ? { policy: view.policy.order } : {}),
      ...(problems.length ? { problems } : {}),
      ...(elsewhere.length
        ? { elsewhere: Object.fromEntries(elsewhere.map(([s, r]) => [s, r.reference])) }
        : {}),
      ...(unavailable.length
        ? { unavailable: Object.fromEntries(unavailable.map(([s, r]) => [s, r.problem!])) }
        : {}),
    };
  }

  /** A version's descriptor, read once per digest. */
  descriptor(
    repository: number,
    component: string,
    version: string,
    digest: string | undefined,
    options: OperationOptions,
  ): Promise<DescriptorV2> {
    return this.#descriptorIn(
      this.source(repository).repository,
      component,
      version,
      digest,
      options,
      repository,
    );
  }

  #descriptorIn(
    from: OcmRepository,
    component: string,
    version: string,
    digest: string | undefined,
    options: OperationOptions,
    repository?: number,
  ): Promise<DescriptorV2> {
    const key = digest ?? `${repository}\n${component}\n${version}`;
    let pending = this.#descriptors.get(key);
    if (!pending) {
      pending = from
        // By digest where known: the manifest is then the one the alias named (and a content cache
        // that saw it under the alias's tag serves it).
        .getComponentVersion(component, digest ?? version, options)
        .then((cv) => cv.descriptor);
      this.#descriptors.set(key, pending);
      pending.catch(() => this.#descriptors.delete(key));
    }
    return pending;
  }

  async component(
    repository: number,
    component: string,
    options: OperationOptions = {},
  ): Promise<ComponentPage> {
    const { repository: repo } = this.source(repository);
    const row = await this.row(repository, component, options);
    const versions = await repo.listComponentVersions(component, options);
    if (versions.length === 0)
      throw new NotFoundError(`${component}: no versions in ${this.source(repository).label}`);
    const aliases = await repo.listComponentVersionAliases(component, options);
    const on = new Map<string, string[]>();
    for (const a of aliases) if (a.version) on.set(a.version, [...(on.get(a.version) ?? []), a.alias]);
    let history: unknown[] = [];
    let historyProblem: string | undefined;
    let evidence: VersionEvidence[] | undefined;
    if (this.#options.stages) {
      try {
        history = await this.#options.stages.history(repo, component, options);
      } catch (err) {
        historyProblem = (err as Error).message;
      }
      evidence = await this.#options.stages.evidence(
        repo,
        component,
        await this.#held(row, options),
        options,
      );
    }
    return {
      name: component,
      repository,
      row,
      stages: orderStages(Object.keys(row.stages), row.policy ? [row.policy] : []),
      write: this.#options.write === true,
      versions: versions.map((v) => ({ version: v, aliases: on.get(v) ?? [] })),
      history,
      ...(historyProblem === undefined ? {} : { historyProblem }),
      ...(evidence === undefined ? {} : { evidence }),
    };
  }

  /** The versions the row's stages hold (newest first), each with where it is held. */
  async #held(row: BoardComponent, options: OperationOptions): Promise<EvidenceRequest[]> {
    const byDigest = new Map<string, { version: string; digest: string; stages: string[]; where?: string }>();
    for (const [stage, cell] of Object.entries(row.stages)) {
      const key = `${cell.repository ?? ''}\n${cell.digest}`;
      const entry = byDigest.get(key);
      if (entry) entry.stages.push(stage);
      else
        byDigest.set(key, {
          version: cell.version,
          digest: cell.digest,
          stages: [stage],
          ...(cell.repository === undefined ? {} : { where: cell.repository }),
        });
    }
    const out: EvidenceRequest[] = [];
    for (const { where, ...e } of byDigest.values()) {
      if (where === undefined) {
        out.push(e);
        continue;
      }
      try {
        out.push({ ...e, from: await this.remote(where, options) });
      } catch (err) {
        if (options.signal?.aborted) throw err;
        out.push({ ...e, problem: (err as Error).message });
      }
    }
    return out.sort((a, b) => {
      try {
        return compareVersions(b.version, a.version);
      } catch {
        return a.version < b.version ? 1 : -1;
      }
    });
  }

  /**
   * What changed between two versions, and, for each reference that names another version of the
   * same component, that part's own diff (read from this repository, `depth` levels down).
   */
  async diff(
    repository: number,
    component: string,
    from: string,
    to: string,
    options: OperationOptions = {},
    depth = PART_DEPTH,
  ): Promise<VersionDiff> {
    const [a, b] = await Promise.all([
      this.descriptor(repository, component, from, undefined, options),
      this.descriptor(repository, component, to, undefined, options),
    ]);
    const d = diffVersions(a, b);
    const references = await mapLimit(d.references, this.#concurrency, (r) =>
      this.#part(repository, r, options, depth),
    );
    return { ...d, references };
  }

  async #part(
    repository: number,
    r: ReferenceChange,
    options: OperationOptions,
    depth: number,
  ): Promise<ReferenceChange> {
    const { before, after } = r;
    if (r.change !== 'changed' || !before || !after || before.component !== after.component) return r;
    if (depth <= 0) return { ...r, partProblem: `not compared: more than ${PART_DEPTH} levels of parts` };
    try {
      return {
        ...r,
        part: await this.diff(repository, after.component, before.version, after.version, options, depth - 1),
      };
    } catch (err) {
      if (options.signal?.aborted) throw err;
      return { ...r, partProblem: (err as Error).message };
    }
  }
}

/** `pending`, or a rejection when `signal` aborts first (the pending work goes on for others). */
function abortable<T>(pending: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return pending;
  signal.throwIfAborted();
  return new Promise<T>((resolve, reject) => {
    const abort = () => reject(signal.reason);
    signal.addEventListener('abort', abort, { once: true });
    pending.then(resolve, reject).finally(() => signal.removeEventListener('abort', abort));
  });
}

/** Levels of parts a product's diff opens (a reference graph is acyclic, but may be deep). */
const PART_DEPTH = 4;
