import { type Readable, Transform } from 'node:stream';
import { normalisedDescriptorDigest } from '../attestation/index.js';
import { ociImageAccess, versionToTag } from '../descriptor/index.js';
import { mapLimit } from '../oci/concurrency.js';
import { canPushIfAbsent, canPushReference } from '../oci/content/guards.js';
import { fetchAll } from '../oci/content/read.js';
import type { OperationOptions, Store } from '../oci/content/storage.js';
import type { Descriptor } from '../oci/descriptor.js';
import { isVerified, markVerified } from '../oci/digest.js';
import { type GraphNode, graphNodes, successors } from '../oci/graph.js';
import { isImageIndex, parseManifest } from '../oci/manifest.js';
import { isManifestType } from '../oci/mediatype.js';
import { anchorBelow } from './anchors.js';
import { VersionExistsError } from './errors.js';
import { copyEvidence } from './evidence-store.js';
import type { JournalOptions } from './journal.js';
import { localBlobElement } from './local-blobs.js';
import { withOperationSignal } from './operation-signal.js';
import type { PolicyCopy } from './policy-hook.js';
import type { OcmRepository, ResolvedComponentVersion } from './repository.js';
import { loadManifest, readVersion } from './resolve.js';

export interface TransferOptions extends OperationOptions, JournalOptions {
  /**
   * Also set, in the target, the aliases that point at the transferred version in the source; the
   * alias history is copied first when the target has none, then each alias set is recorded as a
   * `transfer` event.
   */
  readonly copyAliases?: boolean;
  /**
   * With `copyAliases`, for a transfer of this one version: when the source's history is copied now,
   * each alias it names that is not copied along (it names another version) is recorded as gone from
   * the target (a `transfer` event to nothing, `details.notCopied`), so the target's history ends
   * where its aliases are. A transfer of every version leaves it unset: each alias arrives with its
   * version.
   */
  readonly recordAliasesNotCopied?: boolean;
  /**
   * With `copyAliases`, onto a target that keeps its own stages document (other rules than the
   * source's): set its gated stages anyway, recorded as forced. Refused otherwise (`PolicyError`).
   */
  readonly force?: boolean;
  /**
   * Also copy the version's evidence (`_ocm.att.*`: signed checks and approvals about its normalised
   * digest) that the target lacks. Implied by `copyAliases`.
   */
  readonly evidence?: boolean;
  /** How the source repository is named in the target's `transfer` events (`details.source`). */
  readonly sourceName?: string;
  /**
   * When the target holds the version with other content: `abort` (default) fails with
   * `VersionExistsError`, `skip` leaves it, `replace` overwrites it.
   */
  readonly conflict?: 'abort' | 'skip' | 'replace';
  /** Blobs copied at once. Default 4. */
  readonly concurrency?: number;
  /** Called as blob bytes flow, and once per blob that the target has already. */
  readonly onProgress?: (event: TransferProgress) => void;
  /**
   * The source version as resolved already (e.g. by a reference walk): it is not resolved again.
   * Must be a resolution of `component` in `source`.
   */
  readonly resolved?: ResolvedComponentVersion;
  /**
   * Copy OCI images that resources reference (`ociArtifact`/`OCIImage` access) into the target by
   * value: each becomes a nested manifest of the version (index form) and its access a `localBlob`
   * with `referenceName`. The resource digest (the manifest digest) does not change, and access is
   * not signed, so signatures stay valid. `fetchArtifact` opens an image reference where it lives.
   */
  readonly copyResources?: { readonly fetchArtifact: ArtifactFetcher };
}

/** Opens the store holding an image reference (`host/repo:tag[@digest]`) and resolves it. */
export type ArtifactFetcher = (
  imageReference: string,
  options: OperationOptions,
) => Promise<{ readonly store: Store; readonly descriptor: Descriptor }>;

export interface TransferProgress {
  readonly digest: string;
  readonly size: number;
  /** Bytes of this blob copied so far (equals `size` when done or skipped). */
  readonly done: number;
  readonly skipped: boolean;
}

export interface TransferResult {
  readonly component: string;
  readonly version: string;
  readonly digest: string;
  readonly status: 'copied' | 'unchanged' | 'skipped' | 'replaced';
  /** Blobs and manifests copied, and those the target had already. */
  readonly copied: number;
  readonly existing: number;
  readonly bytes: number;
  readonly aliases: readonly string[];
  /**
   * Of `aliases`, those this call moved, or whose missing event it recorded (a rerun after an
   * interrupted transfer): the others were in place, recorded, already.
   */
  readonly aliasesRecorded: readonly string[];
  /**
   * With `copyAliases`, what became of the source's stages document (the alias policy): `copied`
   * with the history, `same`, `none`, or `kept` when the target keeps its own, other document; its
   * gated stages are then set only with `force`.
   */
  readonly stages?: PolicyCopy;
  /** With `evidence` or `copyAliases`: envelopes copied (those the target had are not counted). */
  readonly evidence?: number;
}

/**
 * Copies one component version (by version or alias) from `source` to `target` exactly as stored:
 * same manifest, same blobs, same digests, so signatures stay valid. Blobs the target has already
 * are skipped (HEAD), everything else is streamed and verified on both sides; the manifest is
 * pushed only after everything it names is present, and tagged with the version last.
 */
export function transferComponentVersion(
  source: OcmRepository,
  target: OcmRepository,
  component: string,
  versionOrAlias: string,
  options: TransferOptions = {},
): Promise<TransferResult> {
  // One listener on the caller's signal per version; each blob copy in flight holds a few (its
  // read, its write, its requests) on the version's own signal.
  return withOperationSignal(options.signal, 4 * (options.concurrency ?? 4) + 8, (signal) =>
    transferOne(source, target, component, versionOrAlias, signal ? { ...options, signal } : options),
  );
}

async function transferOne(
  source: OcmRepository,
  target: OcmRepository,
  component: string,
  versionOrAlias: string,
  options: TransferOptions,
): Promise<TransferResult> {
  if (options.copyResources)
    return transferByValue(
      source,
      target,
      component,
      versionOrAlias,
      options,
      options.copyResources.fetchArtifact,
    );
  const resolved =
    options.resolved?.component === component
      ? options.resolved
      : await source.resolveComponentVersion(component, versionOrAlias, options);
  const from = source.ociStore(component);
  const to = target.ociStore(component);
  const tag = versionToTag(resolved.version);
  const base = { component, version: resolved.version, digest: resolved.digest };

  let status: TransferResult['status'] = 'copied';
  const current = await to.resolve(tag, options).catch((err: Error) => {
    if ((err as { code?: string }).code === 'NOT_FOUND') return undefined;
    throw err;
  });
  if (current && current.digest !== resolved.digest) {
    if (options.conflict === 'skip')
      return {
        ...base,
        status: 'skipped',
        copied: 0,
        existing: 0,
        bytes: 0,
        aliases: [],
        aliasesRecorded: [],
      };
    if (options.conflict !== 'replace')
      throw new VersionExistsError(component, resolved.version, {
        hint: 'the target holds this version with other content; use conflict "replace" or "skip"',
      });
    status = 'replaced';
  }
  const stats = { copied: 0, existing: 0, bytes: 0 };
  let tagged = false;
  if (current?.digest === resolved.digest) status = 'unchanged';
  else tagged = await copyRoot(from, to, resolved.manifest, tag, stats, options);
  // Tags on what an index-form version lists, so registry garbage collection keeps it (anchors.ts).
  if (status !== 'unchanged') await anchorBelow(to, resolved.manifest, options);
  if (status !== 'unchanged' && !tagged) await to.tag(resolved.manifest, tag, options);

  const evidence = await copyVersionEvidence(from, to, resolved, options);
  const aliases = options.copyAliases
    ? await copyAliases(source, target, component, resolved.version, resolved.digest, options)
    : noAliases;
  return { ...base, status, ...stats, ...aliases, ...evidence };
}

/** With `evidence` or `copyAliases`: the evidence about the version, copied where the target lacks it. */
async function copyVersionEvidence(
  from: Store,
  to: Store,
  resolved: ResolvedComponentVersion,
  options: TransferOptions,
): Promise<{ evidence?: number }> {
  if (!options.evidence && !options.copyAliases) return {};
  const op = options.signal === undefined ? {} : { signal: options.signal };
  const loaded = await loadManifest(from, resolved.digest, op);
  if (!loaded) return { evidence: 0 };
  const { descriptor } = await readVersion(from, loaded, resolved, op);
  return { evidence: await copyEvidence(from, to, normalisedDescriptorDigest(descriptor), op) };
}

type CopiedAliases = Pick<TransferResult, 'aliases' | 'aliasesRecorded' | 'stages'>;
const noAliases: CopiedAliases = { aliases: [], aliasesRecorded: [] };

/** Sets in `target` the aliases that point at `digest` in `source`, with the same rules as tagging. */
async function copyAliases(
  source: OcmRepository,
  target: OcmRepository,
  component: string,
  version: string,
  digest: string,
  options: TransferOptions,
): Promise<CopiedAliases> {
  const signal = options.signal === undefined ? {} : { signal: options.signal };
  // The stages document and the history travel with the aliases when the target has none yet (so
  // that a `policy` event names a document the target has); then the target records its own.
  const stages = await target.copyAliasPolicyFrom(source, component, signal);
  const historyCopied = await target.copyAliasHistoryFrom(source, component, signal);
  const aliases: string[] = [];
  const recorded: string[] = [];
  const all = await source.listComponentVersionAliases(component, signal);
  for (const a of all) {
    if (a.digest !== digest) continue;
    // Under the target's own rules, the source's moves passed no gate of the target's.
    const moves =
      stages === 'kept' &&
      (await target.resolveComponentVersion(component, a.alias, signal).catch(() => undefined))?.digest !==
        digest;
    const forced = moves
      ? await target.checkAliasPolicy(
          component,
          a.alias,
          { operation: 'transfer', force: options.force === true },
          signal,
        )
      : undefined;
    const journal = {
      ...signal,
      operation: 'transfer' as const,
      details: { ...(options.sourceName === undefined ? {} : { source: options.sourceName }), ...forced },
      ...(options.message === undefined ? {} : { message: options.message }),
      ...(options.actor === undefined ? {} : { actor: options.actor }),
    };
    const change = await target.addComponentVersionAlias(component, version, a.alias, journal);
    // In place already: a rerun after an interruption records the event the first run lost, if it did.
    if (
      change.previous?.digest !== change.digest ||
      (await target.recordAliasInPlace(component, a.alias, journal))
    )
      recorded.push(a.alias);
    aliases.push(a.alias);
  }
  if (historyCopied && options.recordAliasesNotCopied) {
    const details = {
      notCopied: true,
      ...(options.sourceName === undefined ? {} : { source: options.sourceName }),
    };
    for (const a of all) {
      if (a.digest === digest || aliases.includes(a.alias)) continue;
      await target.recordAliasAbsent(component, a.alias, {
        ...signal,
        operation: 'transfer',
        details,
        message:
          options.message ??
          `not copied: it names ${a.version ?? 'another version'}, which was not transferred`,
        ...(options.actor === undefined ? {} : { actor: options.actor }),
      });
    }
  }
  return { aliases, aliasesRecorded: recorded, stages };
}

/**
 * The by-value transfer: the version's own blobs are copied as they are, each referenced image is
 * copied into the component's repository, and the descriptor is stored anew with those resources
 * as local blobs (so the target version has a new manifest digest; resource digests are unchanged).
 */
async function transferByValue(
  source: OcmRepository,
  target: OcmRepository,
  component: string,
  versionOrAlias: string,
  options: TransferOptions,
  fetchArtifact: ArtifactFetcher,
): Promise<TransferResult> {
  const { descriptor, resolution } = await source.getComponentVersion(component, versionOrAlias, options);
  const from = source.ociStore(component);
  const to = target.ociStore(component);
  const stats = { copied: 0, existing: 0, bytes: 0 };
  const known = await copyChildren(from, to, resolution.manifest, stats, options, { collectNested: true });
  const resources = [];
  for (const r of descriptor.component.resources ?? []) {
    const image = ociImageAccess(r.access);
    if (!image) {
      resources.push(r);
      continue;
    }
    const artifact = await fetchArtifact(image.imageReference, options);
    await copyGraph(artifact.store, to, artifact.descriptor, stats, options);
    known.push(artifact.descriptor);
    const referenceName = image.imageReference
      .slice(image.imageReference.indexOf('/') + 1)
      .replace(/@.*$/, '');
    resources.push(localBlobElement(r, { ...artifact.descriptor, referenceName }));
  }
  const added = await target.addComponentVersion(
    { ...descriptor, component: { ...descriptor.component, resources } },
    {
      blobs: known,
      conflict: options.conflict ?? 'abort',
      ...(options.signal ? { signal: options.signal } : {}),
    },
  );
  const status: TransferResult['status'] =
    added.status === 'added' ? 'copied' : added.status === 'replaced' ? 'replaced' : added.status;
  // The descriptor is unchanged but for access, which normalisation drops: the subject is the same.
  const evidence =
    options.evidence || options.copyAliases
      ? { evidence: await copyEvidence(from, to, normalisedDescriptorDigest(descriptor), options) }
      : {};
  const aliases = options.copyAliases
    ? await copyAliases(source, target, component, resolution.version, resolution.digest, options)
    : noAliases;
  return {
    component,
    version: resolution.version,
    digest: added.digest,
    status,
    ...stats,
    ...aliases,
    ...evidence,
  };
}

/**
 * Copies a version's root manifest and everything below it. Where the target pushes by tag, an image
 * manifest goes up by its version tag after its children: one PUT where a push and a tag are two,
 * and no HEAD on the root (the tag was found absent or elsewhere). True when the tag is set.
 */
async function copyRoot(
  from: Store,
  to: Store,
  root: Descriptor,
  tag: string,
  stats: { copied: number; existing: number; bytes: number },
  options: TransferOptions,
): Promise<boolean> {
  if (!canPushReference(to)) {
    await copyGraph(from, to, root, stats, options);
    return false;
  }
  const bytes = await fetchAll(from, root, options);
  if (isImageIndex(parseManifest(bytes, root.mediaType))) {
    await copyGraph(from, to, root, stats, options);
    return false;
  }
  await copyChildren(from, to, root, stats, options, { rootBytes: bytes });
  await to.pushReference(root, bytes, tag, options);
  stats.copied++;
  stats.bytes += bytes.byteLength;
  return true;
}

/**
 * Copies a manifest or index and everything below it, children first (the walk of `oci/graph.ts`).
 * A manifest the target has already is not descended into: everything below it is there too.
 */
async function copyGraph(
  from: Store,
  to: Store,
  root: Descriptor,
  stats: { copied: number; existing: number; bytes: number },
  options: TransferOptions,
): Promise<void> {
  await copyNodes(from, to, await walkForCopy(from, to, root, stats, options), stats, options);
}

/** Copies what a manifest or index references (not the root itself); returns those descriptors. */
async function copyChildren(
  from: Store,
  to: Store,
  root: Descriptor,
  stats: { copied: number; existing: number; bytes: number },
  options: TransferOptions,
  how: {
    /** The root's bytes, when the caller fetched them already. */
    readonly rootBytes?: Uint8Array;
    /** Also return the layers of nested image manifests (an index-form version's local blobs). */
    readonly collectNested?: boolean;
  } = {},
): Promise<Descriptor[]> {
  const bytes = how.rootBytes ?? (await fetchAll(from, root, options));
  const nodes = await walkForCopy(from, to, root, stats, options, bytes);
  await copyNodes(from, to, nodes.slice(0, -1), stats, options);
  const children = uniqueByDigest(successors(bytes, root.mediaType));
  const below = [...children];
  if (how.collectNested) {
    // The layers of the descriptor manifest of an index-form version are local blobs the target names again.
    const fetched = new Map(nodes.map((n) => [n.descriptor.digest, n.bytes]));
    for (const child of children) {
      if (!isManifestType(child.mediaType)) continue;
      const nested = parseManifest(
        fetched.get(child.digest) ?? (await fetchAll(from, child, options)),
        child.mediaType,
      );
      if (!isImageIndex(nested)) below.push(...nested.layers);
    }
  }
  return below;
}

/**
 * The graph below `root` in copy order, `root` last; a manifest below the root that the target has
 * already is counted as existing and left out with everything below it.
 */
function walkForCopy(
  from: Store,
  to: Store,
  root: Descriptor,
  stats: { existing: number },
  options: TransferOptions,
  rootBytes?: Uint8Array,
): Promise<GraphNode[]> {
  return graphNodes(
    root,
    (d, o) =>
      rootBytes !== undefined && d.digest === root.digest
        ? Promise.resolve(rootBytes)
        : fetchAll(from, d, { ...options, ...o }),
    {
      ...(options.signal ? { signal: options.signal } : {}),
      prune: async (d) => {
        if (rootBytes !== undefined && d.digest === root.digest) return false;
        if (!(await to.exists(d, options))) return false;
        stats.existing++;
        return true;
      },
    },
  );
}

/**
 * Pushes walked nodes: the blobs first, `options.concurrency` at a time (a blob names nothing, so
 * none has to wait for another), then the manifests in walk order, so each follows what it names.
 */
async function copyNodes(
  from: Store,
  to: Store,
  nodes: readonly GraphNode[],
  stats: { copied: number; existing: number; bytes: number },
  options: TransferOptions,
): Promise<void> {
  const blobs = nodes.filter((n) => n.bytes === undefined).map((n) => n.descriptor);
  await mapLimit(blobs, options.concurrency ?? 4, (blob) => copyBlob(from, to, blob, stats, options));
  for (const { descriptor, bytes } of nodes) {
    if (bytes === undefined) continue;
    await to.push(descriptor, bytes, options);
    stats.copied++;
    stats.bytes += bytes.byteLength;
  }
}

async function copyBlob(
  from: Store,
  to: Store,
  blob: Descriptor,
  stats: { copied: number; existing: number; bytes: number },
  options: TransferOptions,
): Promise<void> {
  const open = async (): Promise<Readable> => {
    const fetched = await from.fetch(blob, options);
    let content: Readable = fetched;
    const report = options.onProgress;
    if (report) {
      // Count bytes as the target consumes them; a 'data' listener would start the flow too early.
      let done = 0;
      content = fetched.pipe(
        new Transform({
          transform(chunk: Buffer, _encoding, callback) {
            done += chunk.byteLength;
            report({ digest: blob.digest, size: blob.size, done, skipped: false });
            callback(null, chunk);
          },
        }),
      );
      fetched.on('error', (err) => content.destroy(err));
      // It forwards the source's errors, so it is as verified as the source.
      if (isVerified(fetched, blob)) markVerified(content, blob);
    }
    return content;
  };
  // A registry checks and starts the upload in one request (a mount), and the source is opened only when needed.
  let pushed: boolean;
  if (canPushIfAbsent(to)) pushed = await to.pushIfAbsent(blob, open, options);
  else {
    pushed = !(await to.exists(blob, options));
    if (pushed) await to.push(blob, await open(), options);
  }
  if (!pushed) {
    stats.existing++;
    options.onProgress?.({ digest: blob.digest, size: blob.size, done: blob.size, skipped: true });
    return;
  }
  stats.copied++;
  stats.bytes += blob.size;
}

function uniqueByDigest(list: readonly Descriptor[]): Descriptor[] {
  const seen = new Map<string, Descriptor>();
  for (const d of list) if (!seen.has(d.digest)) seen.set(d.digest, d);
  return [...seen.values()];
}
