import type { Store } from '../../src/oci/content/storage.js';
import { HISTORY_TAG } from '../../src/stages/index.js';
import { type Blob, blob } from './content.js';

/** Tags an ordinary image manifest (empty config, no layers) as `_ocm.history`: something that is not a history. */
export async function tagForeignHistory(store: Store): Promise<Blob> {
  const config = blob('{}', 'application/vnd.oci.empty.v1+json');
  await store.push(config.descriptor, config.bytes);
  const other = blob(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: config.descriptor,
      layers: [],
    }),
    'application/vnd.oci.image.manifest.v1+json',
  );
  await store.push(other.descriptor, other.bytes);
  await store.tag(other.descriptor, HISTORY_TAG);
  return other;
}
