import { isValidDigest } from '../oci/digest.js';

/** Blob file name of a digest: the `:` becomes `.` (`sha256:ab…` is stored as `blobs/sha256.ab…`). */
export function blobFileName(digest: string): string {
  return digest.replace(':', '.');
}

/** The digest a blob file name stands for, or undefined when the name is not `<algorithm>.<hex>`. */
export function digestFromBlobFileName(name: string): string | undefined {
  const dot = name.indexOf('.');
  if (dot <= 0) return undefined;
  const digest = `${name.slice(0, dot)}:${name.slice(dot + 1)}`;
  return isValidDigest(digest) ? digest : undefined;
}
