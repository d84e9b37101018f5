/**
 * A content-addressed cache of manifests, descriptors and small blobs on disk, and a `Store`
 * decorator that uses it (docs/cache.md). Tags are always asked of the registry.
 */
export { type CacheInfo, ContentCache, type ContentCacheOptions, type RefHint } from './disk.js';
export { InvalidCacheOptionError } from './errors.js';
export { CachingProvider, CachingStore } from './store.js';
