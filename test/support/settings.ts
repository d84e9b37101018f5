/**
 * Round settings of the long tests from the environment (OCM_CRASH_KILLS and the like). A setting
 * of zero, a negative or a non-number would let a test pass having done nothing, so it is an error.
 */

/** A whole number above 0 from `process.env[name]`, or `fallback` when unset. */
export function countSetting(name: string, fallback: number): number {
  return setting(name, fallback, Number.isInteger, 'a whole number above 0');
}

/** A number above 0 (a multiplier such as OCM_FUZZ_FACTOR) from `process.env[name]`, or `fallback`. */
export function factorSetting(name: string, fallback: number): number {
  return setting(name, fallback, Number.isFinite, 'a number above 0');
}

function setting(name: string, fallback: number, valid: (n: number) => boolean, what: string): number {
  const text = process.env[name];
  if (text === undefined || text.trim() === '') return fallback;
  const n = Number(text);
  if (!valid(n) || n <= 0) throw new Error(`${name} must be ${what}, not "${text}"`);
  return n;
}
