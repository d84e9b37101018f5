import type {
  Batcher,
  ConditionalPusher,
  Deleter,
  Mounter,
  ReferenceFetcher,
  ReferencePusher,
  ReferrerLister,
  TagLister,
  Untagger,
  Watcher,
} from './storage.js';

/** Optional abilities are probed where they are used (oras-go style), never assumed. */
function hasMethod(value: unknown, name: string): boolean {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Record<string, unknown>)[name] === 'function'
  );
}

export const canUntag = (s: unknown): s is Untagger => hasMethod(s, 'untag');
export const canDelete = (s: unknown): s is Deleter => hasMethod(s, 'delete');
export const canListTags = (s: unknown): s is TagLister => hasMethod(s, 'tags');
export const canFetchReference = (s: unknown): s is ReferenceFetcher => hasMethod(s, 'fetchReference');
export const canMount = (s: unknown): s is Mounter => hasMethod(s, 'mount');
export const canListReferrers = (s: unknown): s is ReferrerLister => hasMethod(s, 'referrers');
export const canBatch = (s: unknown): s is Batcher => hasMethod(s, 'batch');
export const canWatch = (s: unknown): s is Watcher => hasMethod(s, 'watch');
export const canPushIfAbsent = (s: unknown): s is ConditionalPusher => hasMethod(s, 'pushIfAbsent');
export const canPushReference = (s: unknown): s is ReferencePusher => hasMethod(s, 'pushReference');
