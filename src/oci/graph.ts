/**
 * The content graph below a manifest or index: its direct successors, and a walk that hands out
 * every node children first, the order in which a copy must write them (a manifest is pushed only
 * once everything it names is there). Modelled on oras-go `content.Successors` and the traversal of
 * `CopyGraph` (https://github.com/oras-project/oras-go/blob/v2.5.0/content/graph.go). Pure: fetching
 * is the caller's function.
 */
import type { Descriptor } from './descriptor.js';
import { parseManifest, referencedDescriptors } from './manifest.js';
import { isManifestType } from './mediatype.js';

/**
 * The descriptors a manifest or index names directly, in document order: an index's manifests; a
 * manifest's config, then its layers. A `subject` is not a successor (it points up, at what the
 * manifest refers to, not at content it consists of). Content that is not a manifest type has none.
 * Throws `InvalidManifestError` for bytes that are not a valid manifest of `mediaType`.
 */
export function successors(manifestBytes: Uint8Array, mediaType: string): Descriptor[] {
  if (!isManifestType(mediaType)) return [];
  return referencedDescriptors(parseManifest(manifestBytes, mediaType));
}

/**
 * Fetches the bytes of a manifest or index. It must check them against the descriptor (size and
 * digest), as `fetchAll` of `oci/content/read.ts` does: the walk trusts what it gets.
 */
export type FetchManifest = (
  descriptor: Descriptor,
  options: { readonly signal?: AbortSignal },
) => Promise<Uint8Array>;

export interface WalkGraphOptions {
  readonly signal?: AbortSignal;
  /**
   * Called for each manifest or index before it is fetched; `true` leaves it and everything below it
   * out of the walk (say, because the copy target has it already, and so everything below it). Blobs
   * are never pruned: the caller decides what to do with each.
   */
  readonly prune?: (descriptor: Descriptor) => boolean | Promise<boolean>;
}

/** A node of the graph: blobs come without bytes (the walk never reads them), manifests with theirs. */
export interface GraphNode {
  readonly descriptor: Descriptor;
  /** The manifest or index bytes as fetched, so a copier need not fetch them again; absent for blobs. */
  readonly bytes?: Uint8Array;
}

/**
 * Every node of the graph below `root`, `root` included and last, children before the manifest that
 * names them (depth first, post-order), each digest once. Only manifests and indexes are fetched,
 * one at a time, in document order. An abort of `options.signal` ends the walk with its reason.
 */
export async function* walkGraph(
  root: Descriptor,
  fetch: FetchManifest,
  options: WalkGraphOptions = {},
): AsyncGenerator<GraphNode, void, undefined> {
  const { signal } = options;
  const seen = new Set<string>();
  async function* visit(node: Descriptor): AsyncGenerator<GraphNode, void, undefined> {
    if (seen.has(node.digest)) return;
    seen.add(node.digest);
    signal?.throwIfAborted();
    if (!isManifestType(node.mediaType)) {
      yield { descriptor: node };
      return;
    }
    if (options.prune && (await options.prune(node))) return;
    const bytes = await fetch(node, signal ? { signal } : {});
    for (const child of successors(bytes, node.mediaType)) yield* visit(child);
    yield { descriptor: node, bytes };
  }
  yield* visit(root);
}

/** The nodes of `walkGraph`, collected: blobs and manifests in copy order. */
export async function graphNodes(
  root: Descriptor,
  fetch: FetchManifest,
  options: WalkGraphOptions = {},
): Promise<GraphNode[]> {
  const nodes: GraphNode[] = [];
  for await (const node of walkGraph(root, fetch, options)) nodes.push(node);
  return nodes;
}
