import { formatPath, type PathSegment } from '../descriptor/path.js';
import { type ConstructorIssue, InvalidConstructorError, UndefinedVariableError } from './errors.js';

/** Variables for `${VAR}` / `$VAR`; a key whose value is `undefined` is undefined. */
export type Environment = Readonly<Record<string, string | undefined>>;

const reference = /\$(?:\{([^}]*)\}|([A-Za-z_][A-Za-z0-9_]*)|(\$)|(\{))?/g;
const variableName = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Expands `${VAR}` and `$VAR` in every string value of a parsed constructor (map keys are left as
 * they are). `$$` is a literal `$`; a `$` not followed by a name or `{` stays as written.
 *
 * Expansion happens after parsing, not on the text as the Go CLI does, so a value can never change
 * the structure of the document (a variable holding `"\n  - name: x"` stays one string); the
 * difference is only visible for variables meant to produce numbers or booleans, which the
 * constructor schema does not use. Every use of an undefined variable is collected before one
 * `UndefinedVariableError` is thrown; a malformed `${...}` is an `InvalidConstructorError`.
 */
export function expandVariables(document: unknown, env: Environment): unknown {
  const undefinedUses: ConstructorIssue[] = [];
  const malformed: ConstructorIssue[] = [];
  const names: string[] = [];
  const visit = (value: unknown, path: PathSegment[]): unknown => {
    if (typeof value === 'string') return expandString(value, path);
    if (Array.isArray(value)) return value.map((v, i) => visit(v, [...path, i]));
    if (value !== null && typeof value === 'object') {
      // Prototype-free so that a key such as `__proto__` stays an ordinary key.
      const out: Record<string, unknown> = Object.create(null);
      for (const [k, v] of Object.entries(value)) out[k] = visit(v, [...path, k]);
      return Object.setPrototypeOf(out, Object.prototype);
    }
    return value;
  };
  const expandString = (text: string, path: PathSegment[]): string => {
    if (!text.includes('$')) return text;
    return text.replace(
      reference,
      (match, braced: string | undefined, bare: string | undefined, dollar, open) => {
        if (dollar !== undefined) return '$';
        if (open !== undefined) {
          malformed.push({ path: formatPath(path), message: `has "$\{" without a closing "}"` });
          return match;
        }
        const name = braced ?? bare;
        if (name === undefined) return match;
        if (!variableName.test(name)) {
          malformed.push({
            path: formatPath(path),
            message: `${JSON.stringify(match.slice(0, 80))} is not a variable reference: names are letters, digits and "_"`,
          });
          return match;
        }
        const value = Object.hasOwn(env, name) ? env[name] : undefined;
        if (value === undefined) {
          undefinedUses.push({ path: formatPath(path), message: name });
          if (!names.includes(name)) names.push(name);
          return match;
        }
        return value;
      },
    );
  };
  const out = visit(document, []);
  if (malformed.length > 0) throw new InvalidConstructorError(malformed);
  if (undefinedUses.length > 0) throw new UndefinedVariableError(undefinedUses, names);
  return out;
}
