/**
 * Verifying a product: every component version of its reference tree checks its digests against
 * its content, and the references' stored digests match what the referenced versions are now.
 */
import type { KeyInput } from '../signing/index.js';
import { type ReferenceWalk, RepositoryListResolver, walkReferences } from './references.js';
import type { OcmRepository } from './repository.js';
import {
  type CheckComponentVersionResult,
  checkComponentVersion,
  type VerifyComponentVersionResult,
  verifyComponentVersion,
} from './signing.js';

export interface VerifyTreeOptions {
  /** Repositories searched, in order, for referenced versions the root's repository does not hold. */
  readonly lookup?: readonly OcmRepository[];
  /** With a key, the root's signature is verified too (`name` picks it when there are several). */
  readonly publicKey?: KeyInput;
  readonly name?: string;
  readonly maxDepth?: number;
  readonly signal?: AbortSignal;
}

export interface VerifyTreeResult {
  readonly walk: ReferenceWalk;
  /** One check per distinct version, leaves first, the root last. */
  readonly checks: readonly CheckComponentVersionResult[];
  /** The root's signature check, when a key was given. */
  readonly signature?: VerifyComponentVersionResult;
}

/**
 * Walks the tree (all references must be found: `MissingReferenceError` otherwise), then checks each
 * version once; the first failure is thrown as a typed error naming the version. Nothing is written.
 */
export async function verifyComponentVersionTree(
  repo: OcmRepository,
  component: string,
  versionOrAlias: string,
  options: VerifyTreeOptions = {},
): Promise<VerifyTreeResult> {
  const lookup = options.lookup ?? [];
  const signal = options.signal ? { signal: options.signal } : {};
  const walk = await walkReferences(
    new RepositoryListResolver([repo, ...lookup]),
    repo,
    component,
    versionOrAlias,
    {
      ...(options.maxDepth === undefined ? {} : { maxDepth: options.maxDepth }),
      ...signal,
    },
  );
  const checks: CheckComponentVersionResult[] = [];
  for (const found of walk.order) {
    const { component: name, version } = found.resolution;
    checks.push(
      await checkComponentVersion(found.repository, name, version, { lookup: [repo, ...lookup], ...signal }),
    );
  }
  if (options.publicKey === undefined) return { walk, checks };
  const signature = await verifyComponentVersion(repo, component, versionOrAlias, {
    publicKey: options.publicKey,
    lookup,
    ...(options.name === undefined ? {} : { name: options.name }),
    ...signal,
  });
  return { walk, checks, signature };
}
