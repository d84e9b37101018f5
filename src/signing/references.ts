import { isPlainObject, NormalisationError } from '../descriptor/normalisation/index.js';
import { type DigestSpec, digestDescriptor, readDigestSpec, sameDigest } from './digest-spec.js';
import { ElementDigestMismatchError, MissingDigestError, ReferenceCycleError } from './errors.js';
import { cloneDescriptor, componentOf, elementIdentity, listOf } from './identity.js';

/**
 * Where referenced component versions come from. The repository layer implements it; signing
 * itself never reads storage.
 */
export interface ReferenceResolver {
  /**
   * Returns the descriptor (plain v2 JSON) of `componentName` at `version`, or rejects (e.g. with
   * `NotFoundError`). Called at most once per version within one call of the functions below.
   * The resource digests of the returned descriptor are used as stored: a resolver that can reach
   * the content should check them (`verifyResourceDigest`) before returning.
   */
  resolveReference(componentName: string, version: string, signal?: AbortSignal): Promise<unknown>;
}

export interface ReferenceDigestOptions {
  readonly resolver: ReferenceResolver;
  /** Default `jsonNormalisation/v4alpha1`. */
  readonly normalisation?: string;
  /** Default `SHA-256`. */
  readonly hash?: string;
  readonly signal?: AbortSignal;
}

/** Normalisation and hash of a digest computation; absent members take the defaults. */
interface Settings {
  readonly normalisation: string | undefined;
  readonly hash: string | undefined;
}

/**
 * The digest of a referenced component version (docs/formats.md, Signing): its descriptor with the
 * digests of its own references recomputed recursively (stored ones are never trusted), then
 * normalised and hashed with the given settings. Throws `ReferenceCycleError` for cyclic references.
 */
export async function componentVersionDigest(
  componentName: string,
  version: string,
  options: ReferenceDigestOptions,
): Promise<DigestSpec> {
  return new ReferenceDigester(options).digestOf(componentName, version, settingsOf(options), []);
}

/**
 * Returns a copy of `descriptor` in which every component reference carries the freshly computed
 * digest of the version it names. The input is not modified.
 */
export async function digestReferences(
  descriptor: unknown,
  options: ReferenceDigestOptions,
): Promise<Record<string, unknown>> {
  return new ReferenceDigester(options).withDigests(descriptor, settingsOf(options), []);
}

/**
 * Recomputes the digest of every component reference with the normalisation and hash its stored
 * digest names, and compares. Throws `MissingDigestError` for a reference without digest and
 * `ElementDigestMismatchError` naming the reference identity with stored and computed digests.
 */
export async function verifyReferenceDigests(
  descriptor: unknown,
  options: Omit<ReferenceDigestOptions, 'normalisation' | 'hash'>,
): Promise<void> {
  const digester = new ReferenceDigester(options);
  for (const reference of listOf(componentOf(descriptor), 'componentReferences')) {
    const identity = elementIdentity(reference);
    const what = `component reference ${JSON.stringify(identity)}`;
    const stored = readDigestSpec(isPlainObject(reference) ? reference.digest : undefined, what);
    if (stored === undefined) throw new MissingDigestError('component reference', identity);
    const { componentName, version } = target(reference);
    const settings = { normalisation: stored.normalisationAlgorithm, hash: stored.hashAlgorithm };
    const computed = await digester.digestOf(componentName, version, settings, [], stored);
    if (!sameDigest(stored, computed)) {
      throw new ElementDigestMismatchError('component reference', identity, { stored, computed });
    }
  }
}

function settingsOf(options: ReferenceDigestOptions): Settings {
  return { normalisation: options.normalisation, hash: options.hash };
}

function target(reference: unknown): { componentName: string; version: string } {
  const ref = isPlainObject(reference) ? reference : {};
  return { componentName: String(ref.componentName ?? ''), version: String(ref.version ?? '') };
}

/** One digest run: each version is resolved once, and digested once per setting. */
class ReferenceDigester {
  readonly #resolver: ReferenceResolver;
  readonly #signal: AbortSignal | undefined;
  readonly #resolved = new Map<string, Promise<unknown>>();
  readonly #digested = new Map<string, Promise<Record<string, unknown>>>();

  constructor(options: Pick<ReferenceDigestOptions, 'resolver' | 'signal'>) {
    this.#resolver = options.resolver;
    this.#signal = options.signal;
  }

  /**
   * The digest of `componentName:version`. With `stored` (verification) and jsonNormalisation/v1,
   * both historical v1 variants are tried and the matching one returned.
   */
  async digestOf(
    componentName: string,
    version: string,
    settings: Settings,
    chain: readonly string[],
    stored?: DigestSpec,
  ): Promise<DigestSpec> {
    const key = `${componentName}:${version}`;
    if (chain.includes(key)) throw new ReferenceCycleError([...chain, key]);
    const cacheKey = `${settings.normalisation}|${settings.hash}|${key}`;
    let digested = this.#digested.get(cacheKey);
    if (digested === undefined) {
      digested = this.#resolve(componentName, version).then((child) =>
        this.withDigests(child, settings, [...chain, key]),
      );
      this.#digested.set(cacheKey, digested);
    }
    const child = await digested;
    const first = digestDescriptor(child, settings).digest;
    if (stored === undefined || sameDigest(first, stored)) return first;
    const legacy = digestDescriptor(child, { ...settings, v1ExtraIdentityNull: false }).digest;
    return sameDigest(legacy, stored) ? legacy : first;
  }

  async withDigests(
    descriptor: unknown,
    settings: Settings,
    chain: readonly string[],
  ): Promise<Record<string, unknown>> {
    this.#signal?.throwIfAborted();
    if (!isPlainObject(descriptor))
      throw new NormalisationError('', 'a component descriptor must be an object');
    const copy = cloneDescriptor(descriptor);
    for (const reference of listOf(componentOf(copy), 'componentReferences')) {
      if (!isPlainObject(reference)) continue;
      const { componentName, version } = target(reference);
      reference.digest = await this.digestOf(componentName, version, settings, chain);
    }
    return copy;
  }

  #resolve(componentName: string, version: string): Promise<unknown> {
    const key = `${componentName}:${version}`;
    let resolved = this.#resolved.get(key);
    if (resolved === undefined) {
      resolved = this.#resolver.resolveReference(componentName, version, this.#signal);
      this.#resolved.set(key, resolved);
    }
    return resolved;
  }
}
