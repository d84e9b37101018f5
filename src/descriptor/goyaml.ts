/**
 * What the Go writers' YAML looks like. They marshal to JSON, then to YAML through sigs.k8s.io/yaml
 * (go-yaml v2): map keys sorted by go-yaml's `keyList.Less`, and a string quoted (double quotes) exactly
 * when go-yaml's YAML 1.1 resolver would read it back as something else (`yes`, `1.0`, a timestamp...).
 * Reproducing both keeps our descriptors byte-identical to theirs in the common cases and, more
 * importantly, keeps Go readers from turning our strings into booleans or numbers.
 * Source: go-yaml v2.4.0 `sorter.go` and `resolve.go`.
 */

/** go-yaml's key order: letters after non-letters, digit runs compared by value. */
export function goKeyLess(a: string, b: string): boolean {
  const ar = [...a];
  const br = [...b];
  for (let i = 0; i < ar.length && i < br.length; i++) {
    const ac = ar[i] as string;
    const bc = br[i] as string;
    if (ac === bc) continue;
    const al = isLetter(ac);
    const bl = isLetter(bc);
    if (al && bl) return codePoint(ac) < codePoint(bc);
    if (al || bl) return bl;
    let an = 0n;
    let bn = 0n;
    if (ac === '0' || bc === '0') {
      for (let j = i - 1; j >= 0 && isDigit(ar[j] as string); j--) {
        if (ar[j] !== '0') {
          an = 1n;
          bn = 1n;
          break;
        }
      }
    }
    let ai = i;
    for (; ai < ar.length && isDigit(ar[ai] as string); ai++) an = an * 10n + BigInt(ar[ai] as string);
    let bi = i;
    for (; bi < br.length && isDigit(br[bi] as string); bi++) bn = bn * 10n + BigInt(br[bi] as string);
    if (an !== bn) return an < bn;
    if (ai !== bi) return ai < bi;
    return codePoint(ac) < codePoint(bc);
  }
  return ar.length < br.length;
}

export function goKeyCompare(a: string, b: string): number {
  return goKeyLess(a, b) ? -1 : goKeyLess(b, a) ? 1 : 0;
}

function codePoint(c: string): number {
  return c.codePointAt(0) as number;
}

function isLetter(c: string): boolean {
  return /^\p{L}$/u.test(c);
}

function isDigit(c: string): boolean {
  // Go's unicode.IsDigit is any Nd digit; the numeric value uses c - '0', so only ASCII makes sense.
  return c >= '0' && c <= '9';
}

const resolveMap = new Set([
  ...['y', 'Y', 'yes', 'Yes', 'YES', 'true', 'True', 'TRUE', 'on', 'On', 'ON'],
  ...['n', 'N', 'no', 'No', 'NO', 'false', 'False', 'FALSE', 'off', 'Off', 'OFF'],
  ...['', '~', 'null', 'Null', 'NULL'],
  ...['.nan', '.NaN', '.NAN', '.inf', '.Inf', '.INF', '+.inf', '+.Inf', '+.INF', '-.inf', '-.Inf', '-.INF'],
  '<<',
]);
const yamlStyleFloat = /^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/;
const goDotFloat = /^\.[0-9]+([eE][-+]?[0-9]+)?$/;
const goInt = /^[-+]?(0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|0[0-7]*|[1-9][0-9]*)$/;
const goTimestamp =
  /^(\d{4})-(\d{1,2})-(\d{1,2})(?:(?:[Tt](\d{1,2}):(\d{1,2}):(\d{1,2})(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2}))|(?: (\d{1,2}):(\d{1,2}):(\d{1,2})(?:\.\d+)?))?$/;

/** YAML 1.1 sexagesimal numbers (`1:20`): go-yaml does not read them, but quotes them for readers that do. */
const base60Float = /^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$/;
/**
 * Numbers as YAML 1.1 readers other than go-yaml see them (the yaml package's 1.1 schema), which
 * take a few strings go-yaml keeps (`.`, `e5`, `0x_1`); we quote those too. Versions (`1.0.0`) do not match.
 */
const yaml11Numbers = [
  /^[-+]?(?:[0-9][0-9_]*)?\.[0-9_]*$/,
  /^[-+]?(?:[0-9][0-9_]*)?(?:\.[0-9_]*)?[eE][-+]?[0-9]+$/,
  /^[-+]?(?:0b[0-1_]+|0x[0-9a-fA-F_]+|[0-9][0-9_]*)$/,
];

/**
 * Whether go-yaml v2 writes this string quoted because, plain, it would read (in go-yaml or another
 * YAML 1.1 reader) as something other than a string.
 */
export function goResolvesAsNonString(s: string): boolean {
  if (resolveMap.has(s) || base60Float.test(s) || yaml11Numbers.some((r) => r.test(s))) return true;
  const c = s[0] as string;
  if (c === '.') return goDotFloat.test(s);
  if (!/[-+0-9]/.test(c)) return false;
  if (isGoTimestamp(s)) return true;
  const plain = s.replaceAll('_', '');
  if (goInt.test(plain) && inGoIntRange(plain)) return true;
  if (yamlStyleFloat.test(plain)) return true;
  return /^-?0b[01]+$/.test(plain);
}

function isGoTimestamp(s: string): boolean {
  const m = goTimestamp.exec(s);
  if (m === null) return false;
  const month = Number(m[2]);
  const day = Number(m[3]);
  const hour = Number(m[4] ?? m[7] ?? 0);
  const minute = Number(m[5] ?? m[8] ?? 0);
  const second = Number(m[6] ?? m[9] ?? 0);
  return month >= 1 && month <= 12 && day >= 1 && day <= 31 && hour < 24 && minute < 60 && second < 60;
}

/** `strconv.ParseInt(s, 0, 64)` or `ParseUint`: signed within int64, unsigned within uint64. */
function inGoIntRange(s: string): boolean {
  const negative = s.startsWith('-');
  const body = s.replace(/^[-+]/, '');
  let digits = body;
  let radix = 10n;
  if (/^0[xX]/.test(body)) [digits, radix] = [body.slice(2), 16n];
  else if (/^0[oO]/.test(body)) [digits, radix] = [body.slice(2), 8n];
  else if (/^0[bB]/.test(body)) [digits, radix] = [body.slice(2), 2n];
  else if (body.length > 1 && body.startsWith('0')) [digits, radix] = [body.slice(1), 8n];
  let value = 0n;
  for (const d of digits) value = value * radix + BigInt(Number.parseInt(d, Number(radix)));
  return negative ? value <= 2n ** 63n : value <= 2n ** 64n - 1n;
}
