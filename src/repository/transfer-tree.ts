/**
 * Recursive transfer: a component version and every version it references, transitively, each once,
 * digests unchanged, leaves first, so the target never holds a version whose references are missing.
 */

import { MemoProvider } from '../oci/content/memo.js';
import { type ReferenceWalk, RepositoryListResolver, walkReferences } from './references.js';
import type { OcmRepository } from './repository.js';
import { type TransferOptions, type TransferResult, transferComponentVersion } from './transfer.js';

export interface RecursiveTransferOptions extends TransferOptions {
  /**
   * Repositories searched, in order, for referenced versions that the source does not hold (the
   * source is always searched first). Default none.
   */
  readonly lookup?: readonly OcmRepository[];
  /** Longest chain of references followed. Default 32. */
  readonly maxDepth?: number;
  /** Called before each version is copied, with its position in the order. */
  readonly onVersion?: (event: { component: string; version: string; index: number; total: number }) => void;
}

export interface RecursiveTransferResult {
  /** The tree as found in the source (and lookup repositories). */
  readonly walk: ReferenceWalk;
  /** One result per distinct version, in the order copied (leaves first, the root last). */
  readonly results: readonly TransferResult[];
}

/**
 * Copies `component:versionOrAlias` from `source` with everything it references into `target`.
 * Every reference is resolved before the first byte is written: a missing reference, a cycle or a
 * tree deeper than `maxDepth` fails with nothing written. Versions are copied one after another,
 * leaves first, each with `transferComponentVersion` (so a rerun after an interruption skips what is
 * there: `unchanged`). `copyAliases` applies to the root only; referenced versions are pinned by
 * version in the descriptor and are copied under their version tag alone.
 */
export async function transferComponentVersionRecursive(
  source: OcmRepository,
  target: OcmRepository,
  component: string,
  versionOrAlias: string,
  options: RecursiveTransferOptions = {},
): Promise<RecursiveTransferResult> {
  const { lookup = [], maxDepth, onVersion, copyAliases, ...transfer } = options;
  // What the walk reads (each version's manifest and descriptor) is remembered for the copy, so no
  // version is fetched twice; the sources are only read.
  const memo = (repo: OcmRepository) => repo.over((provider) => new MemoProvider(provider));
  const sources = [source, ...lookup].map(memo);
  const resolver = new RepositoryListResolver(sources);
  const walk = await walkReferences(resolver, sources[0]!, component, versionOrAlias, {
    ...(maxDepth === undefined ? {} : { maxDepth }),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  const results: TransferResult[] = [];
  const total = walk.order.length;
  for (const [index, found] of walk.order.entries()) {
    const isRoot = index === total - 1;
    const { component: name, version } = found.resolution;
    onVersion?.({ component: name, version, index, total });
    results.push(
      await transferComponentVersion(found.repository, target, name, isRoot ? versionOrAlias : version, {
        ...transfer,
        resolved: found.resolution,
        ...(isRoot && copyAliases ? { copyAliases } : {}),
      }),
    );
  }
  return { walk, results };
}
