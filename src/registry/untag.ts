/**
 * Removing a tag and nothing else. The distribution API deletes tags with `DELETE
 * /v2/<name>/manifests/<tag>`, which CNCF Distribution 2.x refuses (400/405); there the tag is moved
 * onto a unique throw-away manifest, which is then deleted by its own digest, so the manifest the tag
 * named and its other tags stay (docs/aliases.md, removing an alias).
 */
import { randomUUID } from 'node:crypto';
import { NotFoundError } from '../errors.js';
import type { Content, OperationOptions } from '../oci/content/storage.js';
import { basicDescriptor, type Descriptor } from '../oci/descriptor.js';
import { digestOf } from '../oci/digest.js';
import { encodeManifest, type ImageManifest, TAG_REMOVAL_ANNOTATION } from '../oci/manifest.js';
import { emptyJson, MediaType } from '../oci/mediatype.js';
import { validateTag } from '../oci/reference.js';
import { hasStatus, type RegistryClient } from './client.js';
import { RegistryError, TagDeletionUnsupportedError } from './errors.js';

/** What removing a tag needs of one repository. */
export interface UntagContext {
  readonly name: string;
  readonly client: RegistryClient;
  /** A URL below the repository's `/v2/<name>/`. */
  url(kind: string, reference?: string): URL;
  /** Push scopes of the repository. */
  readonly scopes: readonly string[];
  /** Whether the registry has refused a tag DELETE before: shared by every repository of the client. */
  readonly refused: { get(): boolean; set(): void };
  resolve(reference: string, options?: OperationOptions): Promise<Descriptor>;
  push(expected: Descriptor, content: Content, options?: OperationOptions): Promise<void>;
  getManifest(reference: string, signal?: AbortSignal): Promise<{ bytes: Uint8Array; mediaType: string }>;
  putManifest(
    reference: string,
    mediaType: string,
    bytes: Uint8Array,
    signal?: AbortSignal,
  ): Promise<unknown>;
}

/**
 * Removes one tag and nothing else (docs/aliases.md, Removing an alias). First `DELETE` on the
 * tag; where the registry refuses that (Distribution 2.x: 400, others 405), a throw-away manifest,
 * unique to this call, is pushed to the tag and then deleted by its own digest, which takes the tag
 * with it and leaves the manifest the tag pointed at, and its other tags, untouched. If the registry
 * refuses deletes by digest too, the tag is put back where it was and `TagDeletionUnsupportedError`
 * is thrown. Once a registry has refused a tag DELETE, this store skips it: a removal then costs
 * three requests (HEAD on the tag, PUT of the throw-away manifest, DELETE by its digest).
 */
export async function removeTag(
  ctx: UntagContext,
  tag: string,
  options: OperationOptions = {},
): Promise<void> {
  const { signal } = options;
  signal?.throwIfAborted();
  validateTag(tag);
  let refusal: RegistryError | undefined;
  if (!ctx.refused.get()) {
    try {
      await ctx.client.send({
        method: 'DELETE',
        url: ctx.url('manifests', tag),
        scopes: ctx.scopes,
        expect: [200, 202, 204],
        idempotent: true,
        signal,
      });
      return;
    } catch (err) {
      if (hasStatus(err, 404)) throw new NotFoundError(`${ctx.name}: tag ${tag} not found`, { cause: err });
      if (!hasStatus(err, 400, 405) && !(err instanceof RegistryError && err.hasCode('UNSUPPORTED')))
        throw err;
      refusal = err as RegistryError;
      // The registry will refuse again: later calls go straight to the fallback.
      ctx.refused.set();
    }
  }
  const original = await ctx.resolve(tag, options);
  const throwaway: ImageManifest = {
    schemaVersion: 2,
    mediaType: MediaType.ImageManifest,
    config: basicDescriptor(emptyJson),
    layers: [],
    annotations: { [TAG_REMOVAL_ANNOTATION]: `${tag} ${randomUUID()}` },
  };
  const bytes = encodeManifest(throwaway);
  const digest = digestOf(bytes);
  try {
    await ctx.putManifest(tag, MediaType.ImageManifest, bytes, signal);
  } catch (err) {
    // The empty config is usually there already; push it only when the registry says it is not.
    if (!(err instanceof NotFoundError)) throw err;
    await ctx.push(emptyJson, emptyJson.bytes, options);
    await ctx.putManifest(tag, MediaType.ImageManifest, bytes, signal);
  }
  try {
    await ctx.client.send({
      method: 'DELETE',
      url: ctx.url('manifests', digest),
      scopes: ctx.scopes,
      expect: [200, 202, 204, 404],
      idempotent: true,
      signal,
    });
  } catch (err) {
    if (!hasStatus(err, 400, 405)) throw err;
    const back = await ctx.getManifest(original.digest, signal);
    await ctx.putManifest(tag, back.mediaType, back.bytes, signal);
    throw new TagDeletionUnsupportedError(ctx.name, tag, {
      cause: refusal ? new AggregateError([refusal, err]) : err,
    });
  }
}
