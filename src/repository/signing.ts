/**
 * Signing and verifying component versions stored in an `OcmRepository` (spec
 * docs/formats.md, signing). The storage-independent work (normalisation,
 * digests, RSA) is `src/signing`; this module reads the content those digests describe from the
 * repository, and writes the signed descriptor back.
 *
 * Aliases name manifest digests, signatures name descriptor digests: re-pushing a signed descriptor
 * gives the version a new manifest digest, so every alias that named the old one is moved to the
 * new one in the same repository operation (and reported); the signature digest itself does not
 * depend on where or under which tag the descriptor is stored.
 */

import { createPublicKey, type KeyObject } from 'node:crypto';
import type { Readable } from 'node:stream';
import {
  AccessType,
  type ComponentReference,
  type DescriptorV2,
  elementIdentities,
  type Identity,
  isAccessType,
  type Resource,
} from '../descriptor/index.js';
import { canonicalJson } from '../descriptor/normalisation/index.js';
import { NotFoundError } from '../errors.js';
import { readAll } from '../oci/content/read.js';
import { digestOf, parseDigest } from '../oci/digest.js';
import {
  DigestMismatchError,
  InvalidManifestError,
  SizeMismatchError,
  TooLargeError,
} from '../oci/errors.js';
import { isManifestType } from '../oci/mediatype.js';
import {
  canonicalHashAlgorithm,
  type DigestSpec,
  digestReferences,
  ElementDigestMismatchError,
  GENERIC_BLOB_DIGEST_V1,
  genericBlobDigest,
  isExcludedDigest,
  type KeyInput,
  listSignatures,
  loadPrivateKey,
  loadPublicKey,
  MissingDigestError,
  OCI_ARTIFACT_DIGEST_V1,
  ociArtifactDigest,
  type ReferenceResolver,
  readDigestSpec,
  SHA256,
  type SignDescriptorOptions,
  sameDigest,
  signDescriptor,
  elementIdentity as signingIdentity,
  UnsupportedAlgorithmError,
  verifyDescriptor,
  verifyReferenceDigests,
} from '../signing/index.js';
import { ComponentVersionChangedError, ResourceContentError, StaleAliasError } from './errors.js';
import { readLayoutTar } from './layout-tar.js';
import { localBlobAccessAt } from './local-blobs.js';
import type { OcmRepository, ResolutionKind, ResolvedComponentVersion } from './repository.js';

export { ComponentVersionChangedError };

// ---------------------------------------------------------------- results

/**
 * What was done with one resource digest:
 * - `content`: the stored digest was compared with the stored content and matches;
 * - `computed`: the resource had no digest; it was computed from the stored content;
 * - `stored`: the content is not in this repository (e.g. an `ociArtifact` by reference); the stored
 *   digest is taken as is and the signature vouches for it, not for the content;
 * - `excluded`: `EXCLUDE-FROM-SIGNATURE`, the content is deliberately not covered;
 * - `none`: access `none`, nothing to digest.
 */
export type ResourceCheckKind = 'content' | 'computed' | 'stored' | 'excluded' | 'none';

export interface ResourceCheck {
  readonly identity: Readonly<Record<string, string>>;
  readonly digest?: DigestSpec;
  readonly check: ResourceCheckKind;
}

export interface ReferenceCheck {
  readonly identity: Readonly<Record<string, string>>;
  readonly componentName: string;
  readonly version: string;
  readonly digest: DigestSpec;
}

/**
 * The options of `signDescriptor` (name, PEM key, algorithm, normalisation, hash, encoding, issuer)
 * plus a signal. `normalisation` and `hash` apply to the signature and to the reference digests.
 * Resource digests computed from content are always `SHA-256` (the OCM default for blobs): a
 * referenced version's missing resource digests must compute the same at verification, which does
 * not know these options. Digests are always required (`requireDigests` is not offered).
 */
export interface SignComponentVersionOptions extends Omit<SignDescriptorOptions, 'requireDigests'> {
  /** Repositories searched, in order, for referenced versions this repository does not hold. */
  readonly lookup?: readonly OcmRepository[];
  readonly signal?: AbortSignal;
}

export interface SignComponentVersionResult {
  readonly component: string;
  /** The version signed (what `versionOrAlias` resolved to). */
  readonly version: string;
  readonly requested: string;
  readonly kind: ResolutionKind;
  /** Manifest digest of the signed version. */
  readonly digest: string;
  /** Manifest digest before signing (equal to `digest` when the signed descriptor was stored already). */
  readonly previousDigest: string;
  readonly signature: { readonly name: string; readonly algorithm: string; readonly digest: DigestSpec };
  /** Aliases moved from `previousDigest` to `digest`, sorted. Aliases on other digests are untouched. */
  readonly movedAliases: string[];
  readonly resources: ResourceCheck[];
  readonly references: ReferenceCheck[];
}

export interface VerifyComponentVersionOptions {
  /** The signature to check; may be omitted when the descriptor carries exactly one. */
  readonly name?: string;
  /** SPKI or PKCS#1 PEM (string or bytes), or a loaded key. */
  readonly publicKey: KeyInput;
  /** Repositories searched, in order, for referenced versions this repository does not hold. */
  readonly lookup?: readonly OcmRepository[];
  readonly signal?: AbortSignal;
}

export interface VerifyComponentVersionResult {
  readonly component: string;
  readonly requested: string;
  /** The version the name resolved to, how (`version`, `alias`, `computed`), and its manifest digest. */
  readonly version: string;
  readonly kind: ResolutionKind;
  readonly digest: string;
  readonly signature: {
    readonly name: string;
    readonly algorithm: string;
    readonly mediaType: string;
    readonly digest: DigestSpec;
  };
  readonly resources: ResourceCheck[];
  readonly references: ReferenceCheck[];
}

// ---------------------------------------------------------------- signing

/**
 * Signs a stored component version (alias allowed) and stores the signed descriptor in its place.
 *
 * 1. Resource digests: local blobs are read from the repository and hashed; a stored digest must
 *    match its content (`ElementDigestMismatchError`), a missing one is computed. Resources whose
 *    content lives elsewhere (`ociArtifact` by reference, other remote accesses) must carry a digest
 *    (`MissingDigestError`); it is kept as is. Access `none`: no digest.
 * 2. Reference digests: computed recursively from the referenced versions in this repository (their
 *    local resources are checked against content too). A stored digest is recomputed in its own
 *    settings and must match (`ElementDigestMismatchError`); it is kept, so other signatures of the
 *    descriptor stay valid. A missing one is computed in the new signature's settings.
 * 3. Sign (`signDescriptor`), then re-push with conflict `replace` and `moveAliases`: the version's
 *    manifest digest changes and every alias naming the old digest moves with it, in the same
 *    repository operation (one lock on a CTF).
 *
 * Refuses an alias that names an earlier content of its version (`StaleAliasError`), and reports a
 * concurrent change of the version (`ComponentVersionChangedError`).
 */
export async function signComponentVersion(
  repo: OcmRepository,
  component: string,
  versionOrAlias: string,
  options: SignComponentVersionOptions,
): Promise<SignComponentVersionResult> {
  const { signal } = options;
  // Fail on an unreadable key before any content is read.
  const privateKey = loadPrivateKey(options.privateKey);
  const hash = canonicalHashAlgorithm(options.hash ?? SHA256);
  const { descriptor, resolution } = await repo.getComponentVersion(component, versionOrAlias, opts(signal));
  let stale: StaleAliasError | undefined;
  if (resolution.kind !== 'version') {
    try {
      await assertCurrent(repo, resolution, signal, true);
    } catch (err) {
      if (!(err instanceof StaleAliasError)) throw err;
      stale = err;
    }
  }

  const withResources = await checkResources(repo, descriptor, resolution, { mode: 'sign', ...opts(signal) });
  const { descriptor: withReferences, references } = await referenceDigests(
    withResources.descriptor,
    resolution,
    new RepositoryResolver([repo, ...(options.lookup ?? [])], signal),
    {
      hash,
      ...(options.normalisation === undefined ? {} : { normalisation: options.normalisation }),
      ...opts(signal),
    },
  );

  if (stale) {
    // A sign cut off after it stored the signed version but before it moved this alias: finish it.
    const done = await finishCutOffSign(repo, resolution, withReferences, options.name, privateKey, signal);
    if (!done) throw stale;
    return {
      component,
      version: resolution.version,
      requested: resolution.requested,
      kind: resolution.kind,
      digest: done.digest,
      previousDigest: resolution.digest,
      signature: {
        name: done.entry.name,
        algorithm: done.entry.signature.algorithm,
        digest: done.entry.digest,
      },
      movedAliases: done.moved,
      resources: withResources.checks,
      references,
    };
  }

  const { signal: _, lookup: __, ...signing } = options;
  const signed = signDescriptor(withReferences, {
    ...signing,
    privateKey,
    hash,
    requireDigests: true,
  }) as unknown as DescriptorV2;
  const entry = signed.signatures!.find((s) => s.name === options.name)!;

  // Signed already with this key, name and algorithm (a rerun after the first run landed): signing
  // again would store a new manifest for nothing, as RSA-PSS and ECDSA signatures differ each time.
  const existing = alreadySigned(withReferences, options.name, privateKey);
  if (
    existing &&
    existing.signature.algorithm === entry.signature.algorithm &&
    sameDigest(existing.digest, entry.digest) &&
    canonicalJson(withReferences as never) === canonicalJson(descriptor as never)
  ) {
    return {
      component,
      version: resolution.version,
      requested: resolution.requested,
      kind: resolution.kind,
      digest: resolution.digest,
      previousDigest: resolution.digest,
      signature: { name: existing.name, algorithm: existing.signature.algorithm, digest: existing.digest },
      movedAliases: [],
      resources: withResources.checks,
      references,
    };
  }

  // Narrows the window in which a concurrent replace would be overwritten; see the check after the push.
  await assertCurrent(repo, resolution, signal, false);
  const stored = await repo.addComponentVersion(signed, {
    conflict: 'replace',
    moveAliases: true,
    aliasOperation: 'sign',
    // Exact on a CTF (checked under its lock); on a registry the check after the push reports the rest.
    expect: resolution.digest,
    ...(signal ? { signal } : {}),
  });
  if (stored.status === 'replaced' && stored.previousDigest !== resolution.digest) {
    // addComponentVersion has no compare-and-swap on the version tag: report, do not hide, the lost update.
    throw new ComponentVersionChangedError(
      `${component}:${resolution.version} was replaced by someone else while it was being signed ` +
        `(read ${resolution.digest}, replaced ${stored.previousDigest}); the signed descriptor of the content ` +
        `read first is now stored as ${stored.digest}`,
    );
  }
  return {
    component,
    version: resolution.version,
    requested: resolution.requested,
    kind: resolution.kind,
    digest: stored.digest,
    previousDigest: stored.previousDigest ?? resolution.digest,
    signature: { name: entry.name, algorithm: entry.signature.algorithm, digest: entry.digest },
    movedAliases: (stored.aliases ?? [])
      .filter((a) => a.moved)
      .map((a) => a.alias)
      .sort(),
    resources: withResources.checks,
    references,
  };
}

/**
 * When the version now stores exactly what signing the alias's content would store, signed with this
 * key under this name, the earlier run stored it and was cut off before it moved the aliases: moves
 * every alias still on the unsigned manifest to the signed one (recorded as `sign`). Undefined when the
 * version holds anything else: the alias is then really stale.
 */
async function finishCutOffSign(
  repo: OcmRepository,
  resolution: ResolvedComponentVersion,
  unsigned: unknown,
  name: string,
  privateKey: KeyObject,
  signal: AbortSignal | undefined,
) {
  const { component, version } = resolution;
  const current = await repo.getComponentVersion(component, version, opts(signal));
  const entry = alreadySigned(current.descriptor, name, privateKey);
  const { signatures: _, ...rest } = current.descriptor as unknown as Record<string, unknown>;
  const { signatures: __, ...mine } = unsigned as Record<string, unknown>;
  if (!entry || canonicalJson(rest as never) !== canonicalJson(mine as never)) return undefined;
  const moved: string[] = [];
  for (const a of await repo.listComponentVersionAliases(component, opts(signal))) {
    if (a.digest !== resolution.digest) continue;
    await repo.addComponentVersionAlias(component, version, a.alias, {
      operation: 'sign',
      expect: resolution.digest,
      ...opts(signal),
    });
    moved.push(a.alias);
  }
  return { digest: current.resolution.digest, entry, moved: moved.sort() };
}

/** The signature named `name` when it verifies with the public half of `privateKey`. */
function alreadySigned(descriptor: unknown, name: string, privateKey: KeyObject) {
  if (!listSignatures(descriptor).some((s) => s.name === name)) return undefined;
  try {
    return verifyDescriptor(descriptor, { name, publicKey: createPublicKey(privateKey) });
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------- verification

/**
 * Verifies a stored component version (alias allowed): the named signature over the descriptor
 * (`verifyDescriptor`: descriptor digest, then RSA), then everything the digests describe — every
 * local resource against its stored content, every component reference recomputed recursively from
 * this repository (stored child digests are never trusted). The signature is checked first so that
 * a wrong key fails before any content is read; any failure is a typed error naming what differs:
 * `SignatureNotFoundError`, `AmbiguousSignatureError`, `SignatureVerificationError`,
 * `DescriptorDigestMismatchError`, `ElementDigestMismatchError` (resource or reference identity, stored
 * and computed digest), `MissingDigestError`, `ResourceContentError`, `InvalidKeyError`.
 *
 * Resources whose content is not in this repository are reported as `stored`: the signature covers
 * their digest, nothing here can compare it with the content.
 */
export async function verifyComponentVersion(
  repo: OcmRepository,
  component: string,
  versionOrAlias: string,
  options: VerifyComponentVersionOptions,
): Promise<VerifyComponentVersionResult> {
  const { signal } = options;
  const publicKey = loadPublicKey(options.publicKey);
  const { descriptor, resolution } = await repo.getComponentVersion(component, versionOrAlias, opts(signal));
  const entry = verifyDescriptor(descriptor, {
    publicKey,
    ...(options.name === undefined ? {} : { name: options.name }),
  });

  const { checks } = await checkResources(repo, descriptor, resolution, { mode: 'verify', ...opts(signal) });
  const resolver = new RepositoryResolver([repo, ...(options.lookup ?? [])], signal);
  try {
    await verifyReferenceDigests(descriptor, { resolver, ...(signal ? { signal } : {}) });
  } catch (err) {
    throw located(err, where(resolution));
  }
  return {
    component,
    requested: resolution.requested,
    version: resolution.version,
    kind: resolution.kind,
    digest: resolution.digest,
    signature: {
      name: entry.name,
      algorithm: entry.signature.algorithm,
      mediaType: entry.signature.mediaType,
      digest: entry.digest,
    },
    resources: checks,
    references: (descriptor.component.componentReferences ?? []).map((r) => ({
      identity: signingIdentity(r),
      componentName: r.componentName,
      version: r.version,
      digest: readDigestSpec(r.digest, 'component reference')!,
    })),
  };
}

export interface CheckComponentVersionOptions {
  /** Repositories searched, in order, for referenced versions this repository does not hold. */
  readonly lookup?: readonly OcmRepository[];
  readonly signal?: AbortSignal;
}

export interface CheckComponentVersionResult {
  readonly component: string;
  readonly version: string;
  readonly digest: string;
  readonly resources: ResourceCheck[];
  /** References whose stored digest was recomputed from what they are now, and matched. */
  readonly references: ReferenceCheck[];
  /** Identities of references that carry no digest, so nothing could be compared. */
  readonly undigested: Readonly<Record<string, string>>[];
}

/**
 * The digest checks of `verifyComponentVersion` without a signature: every local resource against
 * its stored content, and every reference that carries a digest recomputed from the referenced
 * version as it is now (recursively, in this repository and then `lookup`). Fails with the same
 * typed errors. For versions that were never signed, and for the parts of a product.
 */
export async function checkComponentVersion(
  repo: OcmRepository,
  component: string,
  versionOrAlias: string,
  options: CheckComponentVersionOptions = {},
): Promise<CheckComponentVersionResult> {
  const { signal } = options;
  const { descriptor, resolution } = await repo.getComponentVersion(component, versionOrAlias, opts(signal));
  const { checks } = await checkResources(repo, descriptor, resolution, { mode: 'verify', ...opts(signal) });
  const all = descriptor.component.componentReferences ?? [];
  const digested = all.filter((r) => hasDigest(r));
  const resolver = new RepositoryResolver([repo, ...(options.lookup ?? [])], signal);
  try {
    await verifyReferenceDigests(
      { ...descriptor, component: { ...descriptor.component, componentReferences: digested } },
      { resolver, ...opts(signal) },
    );
  } catch (err) {
    throw located(err, where(resolution));
  }
  return {
    component,
    version: resolution.version,
    digest: resolution.digest,
    resources: checks,
    references: digested.map((r) => ({
      identity: signingIdentity(r),
      componentName: r.componentName,
      version: r.version,
      digest: readDigestSpec(r.digest, 'component reference')!,
    })),
    undigested: all.filter((r) => !hasDigest(r)).map((r) => signingIdentity(r)),
  };
}

// ---------------------------------------------------------------- internals

function hasDigest(r: ComponentReference): boolean {
  return r.digest !== undefined && r.digest !== null;
}

function opts(signal: AbortSignal | undefined): { signal?: AbortSignal } {
  return signal ? { signal } : {};
}

function where(res: ResolvedComponentVersion): string {
  return res.requested === res.version
    ? `${res.component}:${res.version}`
    : `${res.component}:${res.version} (${res.requested})`;
}

/**
 * Checks that the version's tag still names what `resolution` read. With `alias` the failure is a
 * `StaleAliasError` (the alias was left behind by an earlier replace), else a concurrent change.
 */
async function assertCurrent(
  repo: OcmRepository,
  resolution: ResolvedComponentVersion,
  signal: AbortSignal | undefined,
  alias: boolean,
): Promise<void> {
  const current = await repo.resolveComponentVersion(resolution.component, resolution.version, opts(signal));
  if (current.digest === resolution.digest) return;
  if (alias) {
    throw new StaleAliasError(
      resolution.component,
      resolution.requested,
      resolution.version,
      resolution.digest,
      current.digest,
    );
  }
  throw new ComponentVersionChangedError(
    `${where(resolution)} changed while it was being signed: read ${resolution.digest}, now ${current.digest}; nothing was written`,
  );
}

/**
 * Prefixes the message of a digest error with the component version it concerns (the signing core
 * names only the element): the class, code and fields stay, so callers still branch on them.
 */
function located(err: unknown, at: string): unknown {
  if (
    (err instanceof ElementDigestMismatchError || err instanceof MissingDigestError) &&
    !err.message.startsWith(at)
  ) {
    err.message = `${at}: ${err.message}`;
  }
  return err;
}

interface CheckOptions {
  /**
   * `sign`: compute missing digests of local content. `reference`: the same, for a referenced
   * version (its descriptor is not written; computing the same digests again at verification is
   * deterministic). `verify`: a resource with content must carry a digest.
   */
  readonly mode: 'sign' | 'verify' | 'reference';
  readonly signal?: AbortSignal;
}

/**
 * Checks every resource digest of a stored version against what the repository holds, and returns
 * a copy of the descriptor with missing digests filled in (modes `sign`, `reference`).
 */
async function checkResources(
  repo: OcmRepository,
  descriptor: DescriptorV2,
  resolution: ResolvedComponentVersion,
  options: CheckOptions,
): Promise<{ descriptor: DescriptorV2; checks: ResourceCheck[] }> {
  const copy = structuredClone(descriptor);
  const resources = copy.component.resources ?? [];
  // With `version` where names clash (docs/formats.md, element identity): finds the blob, names it in errors.
  const identities = elementIdentities(copy, 'resources');
  const checks: ResourceCheck[] = [];
  for (const [i, resource] of resources.entries()) {
    options.signal?.throwIfAborted();
    try {
      const at = `component.resources[${i}]`;
      const check = await checkResource(repo, { resource, at }, identities[i]!, resolution, options);
      if (check.check === 'computed') resource.digest = { ...check.digest! };
      checks.push(check);
    } catch (err) {
      throw located(err, where(resolution));
    }
  }
  return { descriptor: copy, checks };
}

async function checkResource(
  repo: OcmRepository,
  { resource, at }: { readonly resource: Resource; readonly at: string },
  identity: Identity,
  resolution: ResolvedComponentVersion,
  options: CheckOptions,
): Promise<ResourceCheck> {
  const kind = 'resource';
  if (isAccessType(resource.access, AccessType.None)) return { identity, check: 'none' };
  const stored = readDigestSpec(resource.digest, `resource ${JSON.stringify(identity)}`);
  if (stored && isExcludedDigest(stored)) return { identity, digest: stored, check: 'excluded' };

  const local = localBlobAccessAt(resource, at);
  if (!local) {
    // ociArtifact by reference and other remote accesses: the content is not in this repository.
    if (stored) return { identity, digest: stored, check: 'stored' };
    throw new MissingDigestError(kind, identity, {
      hint: `its content (access ${resource.access.type}) is not in this repository: add the digest (ociArtifactDigest/v1: the manifest digest) to the descriptor before signing`,
    });
  }
  if (!stored && options.mode === 'verify') throw new MissingDigestError(kind, identity);

  // The name asked for, not the version: an alias may name an earlier content of the version.
  const blob = await repo.getLocalResource(
    resolution.component,
    resolution.requested,
    identity,
    opts(options.signal),
  );
  if (blob.resolution.digest !== resolution.digest) {
    blob.content.destroy();
    throw new ComponentVersionChangedError(
      `${where(resolution)} moved from ${resolution.digest} to ${blob.resolution.digest} while its resources were read`,
    );
  }
  let computed: DigestSpec;
  try {
    computed = await contentDigest(blob.content, blob.descriptor, stored, identity, options.signal);
  } catch (err) {
    blob.content.destroy();
    throw contentError(err, where(resolution), identity, blob.descriptor.digest);
  }
  if (!stored) return { identity, digest: computed, check: 'computed' };
  if (!sameDigest(stored, computed)) {
    throw new ElementDigestMismatchError(kind, identity, { stored, computed });
  }
  return { identity, digest: stored, check: 'content' };
}

/** Media types of OCI artifacts archived as an OCI layout tar (ocm1 artifact sets), gzipped or not. */
const ARTIFACT_SET = /^application\/vnd\.oci\.image\.(manifest|index)\.v1\+tar(\+gzip)?$/;
/** Index annotation of an ocm1 artifact set naming its main artifact. */
const MAIN_ARTIFACT = 'software.ocm/main';
/** Artifact sets are read whole (after the store verified them) to find their main manifest. */
const MAX_ARTIFACT_SET_SIZE = 256 * 1024 * 1024;

/**
 * The digest of a local blob's content, in the form `stored` asks for (or the natural one when the
 * resource has none) so that the caller compares like with like:
 * - an OCI manifest or index stored as the blob itself: `ociArtifactDigest/v1`, its own digest (read
 *   to the end, so the store verifies the bytes);
 * - an OCI layout tar (artifact set): `ociArtifactDigest/v1`, the digest of its main manifest, which
 *   must be in the tar and hash to its name; a stored `genericBlobDigest/v1` matches either the
 *   tar's bytes or, ocm2's form (docs/formats.md, Signing), the main manifest digest;
 * - any other blob: `genericBlobDigest/v1` of its bytes, streamed. `ociArtifactDigest/v1` stored for
 *   such a blob is `UnsupportedAlgorithmError`.
 */
async function contentDigest(
  content: Readable,
  blob: { readonly mediaType: string; readonly digest: string },
  stored: DigestSpec | undefined,
  identity: Record<string, string>,
  signal: AbortSignal | undefined,
): Promise<DigestSpec> {
  const wanted = stored?.normalisationAlgorithm;
  if (isManifestType(blob.mediaType)) {
    for await (const _ of content) signal?.throwIfAborted();
    const digest = ociArtifactDigest(blob.digest);
    return wanted === GENERIC_BLOB_DIGEST_V1
      ? { ...digest, normalisationAlgorithm: GENERIC_BLOB_DIGEST_V1 }
      : digest;
  }
  if (ARTIFACT_SET.test(blob.mediaType)) {
    const bytes = await readAll(content, MAX_ARTIFACT_SET_SIZE, signal);
    if (wanted === GENERIC_BLOB_DIGEST_V1) {
      const plain = await genericBlobDigest(bytes, { hash: stored!.hashAlgorithm });
      if (sameDigest(plain, stored!)) return plain;
      const main = ociArtifactDigest(await mainArtifact(bytes));
      return sameDigest({ ...main, normalisationAlgorithm: GENERIC_BLOB_DIGEST_V1 }, stored!)
        ? stored!
        : plain;
    }
    return ociArtifactDigest(await mainArtifact(bytes));
  }
  if (wanted === OCI_ARTIFACT_DIGEST_V1) {
    throw new UnsupportedAlgorithmError(
      `digest of resource ${JSON.stringify(identity)} stored as ${blob.mediaType}`,
      OCI_ARTIFACT_DIGEST_V1,
      [GENERIC_BLOB_DIGEST_V1],
    );
  }
  return genericBlobDigest(content, { hash: stored?.hashAlgorithm ?? SHA256, ...opts(signal) });
}

/**
 * The digest of the main manifest of an OCI layout tar: the index's `software.ocm/main` annotation,
 * else its only manifest. Every `blobs/` entry must hash to its name, and the main manifest must be
 * among them; `InvalidManifestError` otherwise.
 */
async function mainArtifact(bytes: Uint8Array): Promise<string> {
  const layout = await readLayoutTar(bytes, { what: 'artifact set', maxSize: MAX_ARTIFACT_SET_SIZE });
  const present = new Set<string>();
  for (const entry of layout.blobEntries()) {
    const actual = digestOf(entry.bytes, parseDigest(entry.digest).algorithm);
    if (actual !== entry.digest)
      throw new InvalidManifestError(`artifact set entry ${entry.name} hashes to ${actual}`);
    present.add(entry.digest);
  }
  const indexBytes = layout.files.get('index.json');
  if (!indexBytes) throw new InvalidManifestError('artifact set has no index.json');
  let index: { manifests?: { digest?: unknown }[]; annotations?: Record<string, unknown> } | undefined;
  try {
    index = JSON.parse(Buffer.from(indexBytes).toString('utf8'));
  } catch (cause) {
    throw new InvalidManifestError('artifact set: index.json is not JSON', { cause });
  }
  if (typeof index !== 'object' || index === null)
    throw new InvalidManifestError('artifact set: index.json is not an object');
  const manifests = Array.isArray(index.manifests) ? index.manifests : [];
  const main =
    index.annotations?.[MAIN_ARTIFACT] ?? (manifests.length === 1 ? manifests[0]?.digest : undefined);
  if (typeof main !== 'string')
    throw new InvalidManifestError(
      `artifact set names no main artifact (${MAIN_ARTIFACT}) among ${manifests.length} manifests`,
    );
  if (!present.has(main)) throw new InvalidManifestError(`artifact set lacks its main manifest ${main}`);
  return main;
}

/**
 * Translates the store's verdict on a local blob's bytes into an error naming the resource. A
 * `DigestMismatchError` of the store (the blob file no longer hashes to its name) becomes an
 * `ElementDigestMismatchError` whose stored digest is the one the descriptor's local reference
 * names and whose computed digest is the one the bytes have.
 */
function contentError(
  err: unknown,
  at: string,
  identity: Record<string, string>,
  blobDigest: string,
): unknown {
  if (err instanceof ElementDigestMismatchError || err instanceof UnsupportedAlgorithmError) return err;
  if (err instanceof DigestMismatchError) {
    const spec = (digest: string) => {
      const { algorithm, encoded } = parseDigest(digest);
      return {
        hashAlgorithm: canonicalHashAlgorithm(algorithm),
        normalisationAlgorithm: GENERIC_BLOB_DIGEST_V1,
        value: encoded,
      };
    };
    let pair: { stored: DigestSpec; computed: DigestSpec } | undefined;
    try {
      pair = { stored: spec(err.expected), computed: spec(err.actual) };
    } catch {
      pair = undefined;
    }
    if (pair) {
      const mismatch = new ElementDigestMismatchError('resource', identity, pair);
      mismatch.message = `${at}: ${mismatch.message} (local blob ${blobDigest} was altered in storage)`;
      Object.defineProperty(mismatch, 'cause', { value: err, enumerable: false, configurable: true });
      return mismatch;
    }
  }
  if (
    err instanceof DigestMismatchError ||
    err instanceof SizeMismatchError ||
    err instanceof InvalidManifestError ||
    err instanceof TooLargeError
  ) {
    return new ResourceContentError(at, identity, `local blob ${blobDigest}: ${err.message}`, { cause: err });
  }
  return err;
}

/**
 * The reference digests of a descriptor about to be signed. A reference that carries a digest is
 * checked the way it was made (its own normalisation and hash, like `verifyReferenceDigests`) and
 * kept: rewriting it in other settings would break every other signature of the descriptor, and a
 * referenced version that changed since it was digested is an `ElementDigestMismatchError`, not a
 * silent update. A reference without digest gets one in the settings of the new signature.
 */
async function referenceDigests(
  descriptor: DescriptorV2,
  resolution: ResolvedComponentVersion,
  resolver: ReferenceResolver,
  settings: { hash: string; normalisation?: string; signal?: AbortSignal },
): Promise<{ descriptor: DescriptorV2; references: ReferenceCheck[] }> {
  const references = descriptor.component.componentReferences ?? [];
  const only = (keep: (r: ComponentReference) => boolean) => ({
    ...descriptor,
    component: { ...descriptor.component, componentReferences: references.filter(keep) },
  });
  try {
    await verifyReferenceDigests(only(hasDigest), { resolver, ...opts(settings.signal) });
  } catch (err) {
    throw located(err, where(resolution));
  }
  const computed = (await digestReferences(
    only((r) => !hasDigest(r)),
    { resolver, ...settings },
  )) as unknown as DescriptorV2;
  const fresh = computed.component.componentReferences ?? [];
  let next = 0;
  const out = references.map((r) => (hasDigest(r) ? r : fresh[next++]!));
  return {
    descriptor: { ...descriptor, component: { ...descriptor.component, componentReferences: out } },
    references: out.map((r) => ({
      identity: signingIdentity(r),
      componentName: r.componentName,
      version: r.version,
      digest: readDigestSpec(r.digest, 'component reference')!,
    })),
  };
}

/**
 * Referenced versions come from the same repository. Each is checked like the referrer's own
 * resources (mode `reference`): stored resource digests against content, missing ones computed, so
 * the digest of a child covers its content even when the child itself was never signed.
 */
class RepositoryResolver implements ReferenceResolver {
  readonly #repos: readonly OcmRepository[];
  readonly #signal: AbortSignal | undefined;
  /** One read and content check per version for the whole operation, across digest runs. */
  readonly #checked = new Map<string, Promise<DescriptorV2>>();

  /** `repos`: searched in order, the first that holds a version wins (its own repository first). */
  constructor(repos: readonly OcmRepository[], signal: AbortSignal | undefined) {
    this.#repos = repos;
    this.#signal = signal;
  }

  resolveReference(componentName: string, version: string, signal?: AbortSignal): Promise<unknown> {
    const key = `${componentName}:${version}`;
    let checked = this.#checked.get(key);
    if (checked === undefined) {
      checked = this.#check(componentName, version, signal ?? this.#signal);
      this.#checked.set(key, checked);
    }
    return checked;
  }

  async #check(componentName: string, version: string, s: AbortSignal | undefined): Promise<DescriptorV2> {
    for (const [i, repo] of this.#repos.entries()) {
      try {
        const { descriptor, resolution } = await repo.getComponentVersion(componentName, version, opts(s));
        const checked = await checkResources(repo, descriptor, resolution, { mode: 'reference', ...opts(s) });
        return checked.descriptor;
      } catch (err) {
        if (!(err instanceof NotFoundError) || i === this.#repos.length - 1) throw err;
      }
    }
    throw new NotFoundError(`${componentName}:${version}: no repository to look in`);
  }
}
