import { isPlainObject } from '../descriptor/normalisation/index.js';
import { type DigestSpec, digestDescriptor, readDigestSpec, sameDigest } from './digest-spec.js';
import { ElementDigestMismatchError, MissingDigestError, ReferenceCycleError } from './errors.js';
import { componentOf, elementIdentity, listOf } from './identity.js';

/**
 * Where referenced component versions come from. The repository layer implements it; signing
 * itself never reads storage.
 */
export interface ReferenceResolver {
  /**
   * Returns the descriptor (plain v2 JSON) of `componentName` at `version`, or rejects (e.g. with
   * `NotFoundError`). Called at most once per version and digest setting within one call of the
   * functions below. The resource digests of the returned descriptor are used as stored: a
   * resolver that can reach the content should check them (`verifyResourceDigest`) before returning.
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

/**
 * The digest of a referenced component version (spec section 4.4 step 1): its descriptor with the
 * digests of its own references recomputed recursively (stored ones are never trusted), then
 * normalised and hashed with the given settings. Throws `ReferenceCycleError` for cyclic references.
 */
export async function componentVersionDigest(
  componentName: string,
  version: string,
  options: ReferenceDigestOptions,
): Promise<DigestSpec> {
  return new ReferenceDigester(options).digestOf(componentName, version, []);
}

/**
 * Returns a copy of `descriptor` in which every component reference carries the freshly computed
 * digest of the version it names. The input is not modified.
 */
export async function digestReferences(
  descriptor: unknown,
  options: ReferenceDigestOptions,
): Promise<Record<string, unknown>> {
  return new ReferenceDigester(options).withDigests(descriptor, []);
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
  for (const reference of listOf(componentOf(descriptor), 'componentReferences')) {
    const identity = elementIdentity(reference);
    const what = `component reference ${JSON.stringify(identity)}`;
    const stored = readDigestSpec(isPlainObject(reference) ? reference.digest : undefined, what);
    if (stored === undefined) throw new MissingDigestError('component reference', identity);
    const { componentName, version } = target(reference);
    const digester = new ReferenceDigester({
      ...options,
      normalisation: stored.normalisationAlgorithm,
      hash: stored.hashAlgorithm,
    });
    const computed = await digester.digestOf(componentName, version, [], stored);
    if (!sameDigest(stored, computed)) {
      throw new ElementDigestMismatchError('component reference', identity, { stored, computed });
    }
  }
}

function target(reference: unknown): { componentName: string; version: string } {
  const ref = isPlainObject(reference) ? reference : {};
  return { componentName: String(ref.componentName ?? ''), version: String(ref.version ?? '') };
}

class ReferenceDigester {
  readonly #options: ReferenceDigestOptions;
  readonly #cache = new Map<string, Promise<Record<string, unknown>>>();

  constructor(options: ReferenceDigestOptions) {
    this.#options = options;
  }

  /**
   * The digest of `componentName:version`. With `stored` (verification of a v1 digest) both v1
   * variants are tried and the matching one returned.
   */
  async digestOf(
    componentName: string,
    version: string,
    chain: string[],
    stored?: DigestSpec,
  ): Promise<DigestSpec> {
    const key = `${componentName}:${version}`;
    if (chain.includes(key)) throw new ReferenceCycleError([...chain, key]);
    let resolved = this.#cache.get(key);
    if (resolved === undefined) {
      resolved = this.#options.resolver
        .resolveReference(componentName, version, this.#options.signal)
        .then((child) => this.withDigests(child, [...chain, key]));
      this.#cache.set(key, resolved);
    }
    const child = await resolved;
    const settings = { normalisation: this.#options.normalisation, hash: this.#options.hash };
    const first = digestDescriptor(child, settings).digest;
    if (stored === undefined || sameDigest(first, stored)) return first;
    const legacy = digestDescriptor(child, { ...settings, v1ExtraIdentityNull: false }).digest;
    return sameDigest(legacy, stored) ? legacy : first;
  }

  async withDigests(descriptor: unknown, chain: string[]): Promise<Record<string, unknown>> {
    this.#options.signal?.throwIfAborted();
    const copy = structuredClone(descriptor) as Record<string, unknown>;
    const component = componentOf(copy);
    for (const reference of listOf(component, 'componentReferences')) {
      if (!isPlainObject(reference)) continue;
      const { componentName, version } = target(reference);
      reference.digest = await this.digestOf(componentName, version, chain);
    }
    return copy;
  }
}
