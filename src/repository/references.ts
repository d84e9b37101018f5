/**
 * Component references: finding the component versions a version references, transitively.
 *
 * A product is a component version whose `componentReferences` name the versions of its parts. The
 * parts are looked up in an ordered list of repositories (the product's own first, then the lookup
 * repositories), first hit wins, as the OCM CLI's `--lookup` does. The walk visits each component
 * version once, however many paths lead to it, detects cycles and bounds the depth, and gives both
 * the tree (for display) and an order in which every version comes after everything it references
 * (leaves first: the order in which a transfer never leaves a version whose references are missing).
 */
import type { DescriptorV2 } from '../descriptor/index.js';
import { NotFoundError } from '../errors.js';
import type { OperationOptions } from '../oci/content/storage.js';
import { MissingReferenceError, ReferenceCycleError, ReferenceDepthError } from './errors.js';
import type { OcmRepository, ResolvedComponentVersion } from './repository.js';

/** Where a referenced component version was found, and what it is. */
export interface FoundComponentVersion {
  readonly repository: OcmRepository;
  /** Position of `repository` in the resolver's list (0: the first, usually the root's own). */
  readonly repositoryIndex: number;
  readonly descriptor: DescriptorV2;
  readonly resolution: ResolvedComponentVersion;
}

/** Finds component versions by name and version. */
export interface ReferenceResolver {
  /** The version, or undefined when no repository has it. Other failures are thrown. */
  find(
    component: string,
    version: string,
    options?: OperationOptions,
  ): Promise<FoundComponentVersion | undefined>;
}

/**
 * Looks a component version up in an ordered list of repositories; the first that has it wins.
 * Answers are remembered, so a version referenced along two paths is fetched once.
 */
export class RepositoryListResolver implements ReferenceResolver {
  readonly repositories: readonly OcmRepository[];
  readonly #found = new Map<string, Promise<FoundComponentVersion | undefined>>();

  constructor(repositories: readonly OcmRepository[]) {
    if (repositories.length === 0)
      throw new TypeError('RepositoryListResolver needs at least one repository');
    this.repositories = repositories;
  }

  find(component: string, version: string, options: OperationOptions = {}) {
    const key = `${component}\0${version}`;
    let found = this.#found.get(key);
    if (!found) {
      found = this.#lookup(component, version, options);
      // A failure other than "not found" is not remembered: a retry may succeed.
      found.catch(() => this.#found.delete(key));
      this.#found.set(key, found);
    }
    return found;
  }

  async #lookup(component: string, version: string, options: OperationOptions) {
    for (const [repositoryIndex, repository] of this.repositories.entries()) {
      try {
        const { descriptor, resolution } = await repository.getComponentVersion(component, version, options);
        // A reference pins a version; a tag that resolves as an alias or computed name is not it.
        if (resolution.kind !== 'version') continue;
        return { repository, repositoryIndex, descriptor, resolution };
      } catch (err) {
        if (err instanceof NotFoundError) continue;
        throw err;
      }
    }
    return undefined;
  }
}

/** One component version of a reference tree. */
export interface ReferenceNode {
  readonly component: string;
  readonly version: string;
  /** Manifest digest of the version where it was found. */
  readonly digest: string;
  /** The `name` of the reference that leads here from the parent; undefined at the root. */
  readonly referenceName?: string;
  readonly found: FoundComponentVersion;
  /**
   * The references of this version. A version reached again along another path appears again here
   * with `repeated: true` and no children of its own (its subtree is shown once).
   */
  readonly children: readonly ReferenceNode[];
  readonly repeated: boolean;
}

export interface WalkReferencesOptions extends OperationOptions {
  /** Longest chain of references followed, root excluded. Default 32; deeper is `ReferenceDepthError`. */
  readonly maxDepth?: number;
}

export interface ReferenceWalk {
  readonly root: ReferenceNode;
  /** Every distinct component version of the tree once, each after all it references; the root last. */
  readonly order: readonly FoundComponentVersion[];
}

const DEFAULT_MAX_DEPTH = 32;

/**
 * Walks the references of a component version (by version or alias; the references themselves are
 * always pinned versions). Everything is resolved before anything is returned, so a caller that
 * writes only after the walk writes nothing when a reference is missing (`MissingReferenceError`,
 * naming the path from the root), the references form a cycle (`ReferenceCycleError`, naming the
 * cycle) or the tree is deeper than `maxDepth` (`ReferenceDepthError`).
 */
export async function walkReferences(
  resolver: ReferenceResolver,
  rootRepository: OcmRepository,
  component: string,
  versionOrAlias: string,
  options: WalkReferencesOptions = {},
): Promise<ReferenceWalk> {
  const maxDepth = options.maxDepth ?? DEFAULT_MAX_DEPTH;
  const op: OperationOptions = options.signal ? { signal: options.signal } : {};
  const { descriptor, resolution } = await rootRepository.getComponentVersion(component, versionOrAlias, op);
  const rootFound: FoundComponentVersion = {
    repository: rootRepository,
    repositoryIndex: 0,
    descriptor,
    resolution,
  };

  const order: FoundComponentVersion[] = [];
  const done = new Set<string>();

  const visit = async (
    found: FoundComponentVersion,
    path: readonly string[],
    referenceName: string | undefined,
  ): Promise<ReferenceNode> => {
    const { descriptor: d, resolution: r } = found;
    const key = `${r.component}:${r.version}`;
    const base = { component: r.component, version: r.version, digest: r.digest, found };
    const named = referenceName === undefined ? {} : { referenceName };
    if (done.has(key)) return { ...base, ...named, children: [], repeated: true };
    if (path.length - 1 > maxDepth) throw new ReferenceDepthError([...path], maxDepth);
    const children: ReferenceNode[] = [];
    for (const ref of d.component.componentReferences ?? []) {
      const childKey = `${ref.componentName}:${ref.version}`;
      const childPath = [...path, childKey];
      if (path.includes(childKey)) throw new ReferenceCycleError(childPath.slice(path.indexOf(childKey)));
      const child = await resolver.find(ref.componentName, ref.version, op);
      if (!child) throw new MissingReferenceError(childPath, ref.name);
      children.push(await visit(child, childPath, ref.name));
    }
    done.add(key);
    order.push(found);
    return { ...base, ...named, children, repeated: false };
  };

  const rootKey = `${resolution.component}:${resolution.version}`;
  const root = await visit(rootFound, [rootKey], undefined);
  return { root, order };
}

/** Every node of a tree, depth first, parents before children (repeated nodes included). */
export function* treeNodes(
  node: ReferenceNode,
  depth = 0,
): Generator<{ node: ReferenceNode; depth: number }> {
  yield { node, depth };
  for (const child of node.children) yield* treeNodes(child, depth + 1);
}
