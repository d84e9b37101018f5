/**
 * What `get cv -o json|yaml` (and its `--recursive` and `--watch` forms) say beside a descriptor: how
 * the name asked for resolved, and the descriptor's normalised digest (the one signatures sign).
 */
import type { ResolvedComponentVersion } from '../../repository/index.js';
import type { DigestSpec } from '../../signing/index.js';

/** How the name resolved: `version` (a version tag), `alias` (a stored alias) or `computed` (`latest`, `stable`). */
export interface ResolutionJson {
  readonly requested: string;
  readonly kind: ResolvedComponentVersion['kind'];
  readonly version: string;
  /** Digest of the manifest that stores the version. */
  readonly digest: string;
}

export function resolutionJson(
  r: Pick<ResolvedComponentVersion, 'requested' | 'kind' | 'version' | 'digest'>,
): ResolutionJson {
  return { requested: r.requested, kind: r.kind, version: r.version, digest: r.digest };
}

/** The descriptor's digest as a signature stores it: jsonNormalisation/v3, SHA-256. */
export async function normalisedDigest(descriptor: unknown): Promise<DigestSpec> {
  const { descriptorDigest } = await import('../../signing/index.js');
  return descriptorDigest(descriptor, { normalisation: 'jsonNormalisation/v3', hash: 'SHA-256' });
}
