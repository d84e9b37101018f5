/**
 * Globs for `includeFiles`/`excludeFiles` of Dir/v1, matched against `/`-separated paths relative
 * to the packed directory. `*` and `?` stay within one segment, `[...]` / `[!...]` are classes, `**`
 * as a whole segment matches any number of segments, `\` escapes. A pattern without `/` matches
 * the base name at any depth as well (`*.log` excludes `a/b/x.log`), as users of ignore files expect.
 * Returns `undefined` for a malformed pattern (an unclosed `[`).
 */
export function compileGlob(pattern: string): ((path: string) => boolean) | undefined {
  const body = toRegExp(pattern);
  if (body === undefined) return undefined;
  let whole: RegExp;
  try {
    whole = new RegExp(`^${body}$`, 'u');
  } catch {
    return undefined; // e.g. a class with a reversed range, [z-a]
  }
  if (pattern.includes('/')) return (path) => whole.test(path);
  return (path) => whole.test(path) || whole.test(path.slice(path.lastIndexOf('/') + 1));
}

function toRegExp(pattern: string): string | undefined {
  let out = '';
  const chars = [...pattern];
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i]!;
    if (c === '*') {
      const segmentStart = i === 0 || chars[i - 1] === '/';
      if (chars[i + 1] === '*' && segmentStart && (i + 2 === chars.length || chars[i + 2] === '/')) {
        // `**/` matches zero or more whole segments; a final `**` matches the rest.
        if (i + 2 === chars.length) out += '.*';
        else out += '(?:[^/]*/)*';
        i += 2;
      } else {
        out += '[^/]*';
      }
    } else if (c === '?') {
      out += '[^/]';
    } else if (c === '[') {
      const end = chars.indexOf(']', i + 2);
      if (end < 0) return undefined;
      let cls = chars.slice(i + 1, end).join('');
      const negate = cls.startsWith('!') || cls.startsWith('^');
      if (negate) cls = cls.slice(1);
      out += `[${negate ? '^/' : ''}${cls.replace(/[\\\]^[]/g, (m) => `\\${m}`)}]`;
      i = end;
    } else if (c === '\\' && i + 1 < chars.length) {
      out += escapeRegExp(chars[++i]!);
    } else {
      out += escapeRegExp(c);
    }
  }
  return out;
}

function escapeRegExp(c: string): string {
  return /[.*+?^${}()|[\]\\/]/.test(c) ? `\\${c}` : c;
}
