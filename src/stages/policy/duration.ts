/**
 * Durations of stages documents: one or more `<integer><unit>` parts, units in descending order and
 * each at most once: `d` (24 hours), `h`, `m`, `s`. `24h`, `30m`, `2d`, `1h30m`. No spaces, no
 * fractions, no signs, no bare numbers: anything else is refused rather than guessed at.
 */
const units = [
  ['d', 86_400_000],
  ['h', 3_600_000],
  ['m', 60_000],
  ['s', 1_000],
] as const;

const grammar = /^(?:(\d{1,6})d)?(?:(\d{1,6})h)?(?:(\d{1,6})m)?(?:(\d{1,6})s)?$/;

/** Milliseconds of a duration, or undefined when `text` is not one. */
export function parseDuration(text: string): number | undefined {
  if (typeof text !== 'string' || text === '') return undefined;
  const m = grammar.exec(text);
  if (m === null) return undefined;
  let ms = 0;
  units.forEach(([, size], i) => {
    const part = m[i + 1];
    if (part !== undefined) ms += Number(part) * size;
  });
  return ms;
}

/**
 * A duration for people, rounded down to the minute above one minute: `2d3h`, `22h`, `1h30m`,
 * `45s`; `0s` for zero or less. With `seconds`, rounded down to the second instead: `59m59s`
 * (for a time left, which must never be said to be longer than it is).
 */
export function formatDuration(ms: number, options: { seconds?: boolean } = {}): string {
  if (!Number.isFinite(ms) || ms <= 0) return '0s';
  if (ms < 60_000) return `${options.seconds ? Math.max(1, Math.floor(ms / 1000)) : Math.ceil(ms / 1000)}s`;
  const step = options.seconds ? 1_000 : 60_000;
  let rest = Math.floor(ms / step) * step;
  let out = '';
  for (const [unit, size] of units) {
    const n = Math.floor(rest / size);
    if (n > 0) out += `${n}${unit}`;
    rest -= n * size;
  }
  return out;
}
