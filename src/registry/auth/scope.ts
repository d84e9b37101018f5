/**
 * Token scopes (`repository:NAME:pull,push`, `registry:catalog:*`) as sets: merged per resource so a
 * request for pull and one for push on the same repository share one token.
 * https://distribution.github.io/distribution/spec/auth/scope/
 */
export type ScopeSet = ReadonlyMap<string, ReadonlySet<string>>;

export function repositoryScope(name: string, ...actions: string[]): string {
  return `repository:${name}:${actions.join(',')}`;
}

export const catalogScope = 'registry:catalog:*';

/** Parses scope strings (each may hold several, space-separated) into resource -> actions. */
export function parseScopes(scopes: Iterable<string>): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const text of scopes) {
    for (const scope of text.split(/\s+/)) {
      const last = scope.lastIndexOf(':');
      if (last <= 0) continue;
      const resource = scope.slice(0, last);
      const actions = out.get(resource) ?? new Set<string>();
      for (const a of scope.slice(last + 1).split(',')) if (a) actions.add(a);
      out.set(resource, actions);
    }
  }
  return out;
}

export function mergeScopes(...sets: ScopeSet[]): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const set of sets) {
    for (const [resource, actions] of set) {
      const merged = out.get(resource) ?? new Set<string>();
      for (const a of actions) merged.add(a);
      out.set(resource, merged);
    }
  }
  return out;
}

/** Whether a token granted for `held` is good for `wanted`. */
export function covers(held: ScopeSet, wanted: ScopeSet): boolean {
  for (const [resource, actions] of wanted) {
    const have = held.get(resource);
    if (!have) return false;
    if (have.has('*')) continue;
    for (const a of actions) if (!have.has(a)) return false;
  }
  return true;
}

/** Canonical strings, sorted: the token cache key and the `scope` parameters we send. */
export function formatScopes(set: ScopeSet): string[] {
  return [...set].map(([resource, actions]) => `${resource}:${[...actions].sort().join(',')}`).sort();
}
