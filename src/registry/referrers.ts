/**
 * Referrers of a manifest: the distribution-spec referrers API, and where a registry does not serve
 * it, the referrers tag schema (`<alg>-<hex>` naming an index) that clients without the API write.
 * https://github.com/opencontainers/distribution-spec/blob/v1.1.0/spec.md#listing-referrers
 */
import { NotFoundError } from '../errors.js';
import type { OperationOptions } from '../oci/content/storage.js';
import type { Descriptor } from '../oci/descriptor.js';
import { parseDigest } from '../oci/digest.js';
import { TooLargeError } from '../oci/errors.js';
import { isImageIndex, MAX_MANIFEST_SIZE, parseManifest } from '../oci/manifest.js';
import { MediaType } from '../oci/mediatype.js';
import type { RegistryClient } from './client.js';
import { MAX_ERROR_BODY, parseErrorBody } from './errors.js';
import { nextLink } from './pages.js';
import { header, readBody, readPrefix } from './transport.js';

/** What listing referrers needs of one repository. */
export interface ReferrersContext {
  readonly client: RegistryClient;
  /** A URL below the repository's `/v2/<name>/`. */
  url(kind: string): URL;
  readonly scopes: readonly string[];
  /** Whether the registry serves the API: unknown until the first answer, then shared by the client. */
  readonly api: { get(): boolean | undefined; set(served: boolean): void };
  getManifest(reference: string, signal?: AbortSignal): Promise<{ bytes: Uint8Array; mediaType: string }>;
}

interface ReferrersPage {
  readonly list: readonly Descriptor[];
  readonly filtered: boolean;
  readonly next: URL | undefined;
}

export async function* listReferrers(
  ctx: ReferrersContext,
  subject: Descriptor,
  options: OperationOptions & { readonly artifactType?: string } = {},
): AsyncIterable<readonly Descriptor[]> {
  const { signal, artifactType } = options;
  signal?.throwIfAborted();
  const { algorithm, encoded } = parseDigest(subject.digest);
  const keep = (list: readonly Descriptor[]) =>
    artifactType === undefined ? list : list.filter((d) => d.artifactType === artifactType);
  if (ctx.api.get() !== false) {
    let url: URL | undefined = ctx.url(`referrers/${subject.digest}`);
    if (artifactType !== undefined) url.searchParams.set('artifactType', artifactType);
    while (url) {
      const page: ReferrersPage | 'unknown repository' | undefined = await ctx.client.call<
        ReferrersPage | 'unknown repository' | undefined
      >(
        {
          method: 'GET',
          url,
          headers: { accept: MediaType.ImageIndex },
          scopes: ctx.scopes,
          expect: [200, 404],
          idempotent: true,
          signal,
        },
        async (res) => {
          if (res.status === 404) {
            // A registry with the API answers 404 only for a repository it does not know.
            const codes = parseErrorBody(await readPrefix(res, MAX_ERROR_BODY));
            return codes.some((e) => e.code === 'NAME_UNKNOWN') ? 'unknown repository' : undefined;
          }
          const body = await readBody(
            res,
            MAX_MANIFEST_SIZE,
            () => new TooLargeError('referrers index', MAX_MANIFEST_SIZE),
          );
          const index = parseManifest(body, MediaType.ImageIndex);
          const filtered = (header(res, 'oci-filters-applied') ?? '')
            .split(',')
            .map((s) => s.trim())
            .includes('artifactType');
          return { list: isImageIndex(index) ? index.manifests : [], filtered, next: nextLink(res) };
        },
      );
      if (page === 'unknown repository') return;
      if (!page) {
        ctx.api.set(false);
        break;
      }
      ctx.api.set(true);
      const list = page.filtered ? page.list : keep(page.list);
      if (list.length) yield list;
      url = page.next;
    }
    if (ctx.api.get()) return;
  }
  const tag = `${algorithm.slice(0, 32)}-${encoded.slice(0, 64)}`;
  let fallback: { readonly bytes: Uint8Array; readonly mediaType: string };
  try {
    fallback = await ctx.getManifest(tag, signal);
  } catch (err) {
    if (err instanceof NotFoundError) return;
    throw err;
  }
  const index = parseManifest(fallback.bytes, fallback.mediaType);
  if (isImageIndex(index)) {
    const list = keep(index.manifests);
    if (list.length) yield list;
  }
}
