/**
 * Shared pieces of the reliability fuzzing: hostile value generators and the "typed error only"
 * check. A failure message always carries the fast-check seed, and `OCM_FUZZ_SEED` replays one.
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { UsageError } from '../../src/cli/io.js';
import { OcmError } from '../../src/errors.js';
import { factorSetting } from '../support/settings.js';

/**
 * fast-check parameters: bounded runs, a seed that is printed on failure and can be fixed. The time
 * limit only guards against a hang: a property interrupted before its run count fails the test
 * (`markInterruptAsFailure`), so a slow machine cannot turn 1500 runs into 20 and still pass.
 */
export function params(numRuns: number): fc.Parameters<unknown> {
  const seed = process.env.OCM_FUZZ_SEED === undefined ? undefined : Number(process.env.OCM_FUZZ_SEED);
  // OCM_FUZZ_FACTOR multiplies every run count, for a longer sweep by hand (default 1).
  const factor = factorSetting('OCM_FUZZ_FACTOR', 1);
  return {
    numRuns: Math.max(1, Math.round(numRuns * factor)),
    ...(seed === undefined ? {} : { seed }),
    endOnFailure: true,
    interruptAfterTimeLimit: 60_000 * Math.max(1, factor),
    markInterruptAsFailure: true,
  };
}

export type ErrorClass = abstract new (...args: never[]) => Error;

/** Asserts that `err` is one of the typed errors a parser may throw, and no crash. */
export function assertTyped(err: unknown, allowed: readonly ErrorClass[] = [OcmError], what = ''): void {
  const ok = allowed.some((c) => err instanceof c);
  if (!ok) {
    const e = err as Error;
    assert.fail(
      `${what}: untyped ${e?.constructor?.name ?? typeof err}: ${String(e?.stack ?? e).slice(0, 2000)}`,
    );
  }
  const e = err as Error;
  assert.equal(typeof e.message, 'string');
  assert.ok(e.message.length > 0, `${what}: empty message`);
  // Errors are rendered by the CLI: String() and JSON of them must not throw either.
  void String(e);
  void JSON.stringify(e);
  if (e instanceof OcmError) assert.match(e.code, /^[A-Z_]+$/);
}

/** Runs `fn`; a throw must be typed. Returns the result, or undefined when it threw. */
export function typedOnly<T>(
  fn: () => T,
  allowed: readonly ErrorClass[] = [OcmError],
  what = '',
): T | undefined {
  try {
    return fn();
  } catch (err) {
    assertTyped(err, allowed, what);
    return undefined;
  }
}

/** Runs `fn`, which must throw one of `allowed`; fails the test when it returns. Returns the error. */
export function refuses(fn: () => unknown, allowed: readonly ErrorClass[] = [OcmError], what = ''): Error {
  let result: unknown;
  try {
    result = fn();
  } catch (err) {
    assertTyped(err, allowed, what);
    return err as Error;
  }
  return assert.fail(`${what}: expected a typed error, got ${String(result).slice(0, 200)}`);
}

export async function typedOnlyAsync<T>(
  fn: () => Promise<T>,
  allowed: readonly ErrorClass[] = [OcmError],
  what = '',
): Promise<T | undefined> {
  try {
    return await fn();
  } catch (err) {
    assertTyped(err, allowed, what);
    return undefined;
  }
}

export const CLI_ERRORS: readonly ErrorClass[] = [UsageError, OcmError];

/** Strings that break naive parsers: separators, traversal, prototype keys, NUL, long runs. */
export const nasty = fc.constantFrom(
  '',
  ' ',
  '.',
  '..',
  '/',
  '//',
  ':',
  '::',
  '@',
  '\0',
  '\\',
  '\n',
  '%00',
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'hasOwnProperty',
  '../../etc/passwd',
  '/etc/passwd',
  'C:\\Windows',
  'sha256:',
  `sha256:${'a'.repeat(64)}`,
  `sha512:${'b'.repeat(128)}`,
  `sha256:${'A'.repeat(64)}`,
  'md5:d41d8cd98f00b204e9800998ecf8427e',
  'latest',
  'stable',
  '1.0.0',
  'v1.0.0+build.1',
  '1.0.0.build-1',
  '1.0.0-rc.1',
  '01.0.0',
  '_ocm',
  `sha256-${'c'.repeat(64)}`,
  'localhost:5000',
  '[::1]:5000',
  'example.com/a/b',
  'ctf::',
  'oci::',
  'http://',
  'https://x.io/',
  'file://',
  '\uFEFF',
  '\uD800',
  '\u202E',
  'é',
  `\${HOME}`,
  '*',
  '&a',
  '!!binary',
  'x'.repeat(129),
  'a'.repeat(300),
  '9'.repeat(400),
);

/** Characters of the reference, tag, version and path grammars, and their near misses. */
const grammarChars = fc.constantFrom(
  ...'abcxyzABZ0129._-/:@+[]%~ \t!#$&*?\\\0é'.split(''),
  'sha256',
  '.build-',
  '//',
  '::',
  '..',
  'localhost',
  'example.com',
);

/** Strings built from grammar characters, so they often come close to valid. */
export const grammarish = fc
  .array(fc.oneof({ weight: 4, arbitrary: grammarChars }, { weight: 1, arbitrary: nasty }), { maxLength: 24 })
  .map((parts) => parts.join(''));

export const hostileString = fc.oneof(
  { weight: 3, arbitrary: grammarish },
  { weight: 2, arbitrary: nasty },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ maxLength: 10 }) },
);

/** Values that are not strings where strings are expected, and strings where objects are. */
export const anyScalar = fc.oneof(
  hostileString,
  fc.integer(),
  fc.double(),
  fc.constantFrom(-1, 0, 1, 2, 2 ** 53, -(2 ** 53), Number.MAX_VALUE, 1e308, 0.5),
  fc.boolean(),
  fc.constant(null),
);

/** JSON-like values with hostile keys and scalars. */
export const { hostileJson } = fc.letrec<{ hostileJson: unknown }>((tie) => ({
  hostileJson: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    anyScalar,
    fc.array(tie('hostileJson'), { maxLength: 4 }),
    fc.dictionary(hostileString, tie('hostileJson'), { maxKeys: 4, noNullPrototype: true }),
  ),
}));

/** JSON text nested `depth` levels deep, lists and maps alternating: stack-depth probes. */
export function deeplyNested(depth: number, leaf = '1'): string {
  let open = '';
  let close = '';
  for (let i = 0; i < depth; i++) {
    open += i % 2 === 0 ? '[' : '{"k":';
    close = (i % 2 === 0 ? ']' : '}') + close;
  }
  return `${open}${leaf}${close}`;
}
