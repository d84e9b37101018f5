/** A parsed `WWW-Authenticate` challenge (RFC 7235), as registries send them. */
export interface Challenge {
  /** Lower-case scheme: `basic` or `bearer` (others are kept so callers can refuse them). */
  readonly scheme: string;
  readonly params: Readonly<Record<string, string>>;
}

/**
 * Parses the first challenge of a `WWW-Authenticate` header: `Bearer realm="...",service="...",scope="a b"`.
 * Quoted strings may contain commas and escaped quotes. Returns undefined for an empty header.
 */
export function parseChallenge(header: string | undefined): Challenge | undefined {
  if (!header) return undefined;
  const text = header.trim();
  const space = text.search(/\s/);
  const scheme = (space < 0 ? text : text.slice(0, space)).toLowerCase();
  if (!scheme) return undefined;
  const params: Record<string, string> = {};
  let rest = space < 0 ? '' : text.slice(space + 1);
  const pair = /^\s*,?\s*([A-Za-z0-9_.-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]*))/;
  for (;;) {
    const m = pair.exec(rest);
    if (!m) break;
    const key = m[1]!.toLowerCase();
    const value = m[2] !== undefined ? m[2].replace(/\\(.)/g, '$1') : (m[3] ?? '');
    if (!(key in params)) params[key] = value;
    rest = rest.slice(m[0].length);
  }
  return { scheme, params };
}
