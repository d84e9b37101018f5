// `node:test` with a time limit on every test and hook that sets none: a hung test fails after
// OCM_TEST_TIMEOUT_S seconds (set by scripts/test.mjs) instead of holding the run. Node 20's own
// `--test-timeout` would bound each test file as a whole, not each test. A test that needs longer
// says so with its own `timeout` option, which is kept.
import * as real from 'node:test';

export * from 'node:test';

const seconds = Number(process.env.OCM_TEST_TIMEOUT_S);
if (!Number.isInteger(seconds) || seconds <= 0)
  throw new Error(
    `OCM_TEST_TIMEOUT_S must be a whole number of seconds above 0, not "${process.env.OCM_TEST_TIMEOUT_S}"`,
  );
const timeout = seconds * 1000;

/** `it(name?, options?, fn?)` with `timeout` added to the options when they have none. */
function limitedTest(fn) {
  const limited = (...args) => {
    const at = args.findIndex((a) => typeof a === 'object' && a !== null);
    if (at >= 0) args[at] = { timeout, ...args[at] };
    else {
      const body = args.findIndex((a) => typeof a === 'function');
      args.splice(body < 0 ? args.length : body, 0, { timeout });
    }
    return fromCaller(fn, args);
  };
  return Object.assign(limited, { skip: fn.skip, todo: fn.todo, only: fn.only });
}

/** `before(fn, options?)` and the other hooks, likewise. */
const limitedHook = (hook) => (fn, options) => fromCaller(hook, [fn, { timeout, ...options }]);

/**
 * Calls `fn(...args)` from the caller's file, line and column, so that node reports the test at
 * its place in the test file, not here: node takes a test's location from the frame that called
 * it, and a function compiled with the caller's file as its `sourceURL`, with the call at the
 * caller's line and column, is that frame.
 */
function fromCaller(fn, args) {
  const frame = /\(?(\S+?):(\d+):(\d+)\)?$/.exec(new Error().stack?.split('\n')[3] ?? '');
  if (!frame) return fn(...args);
  const [, file, line, column] = frame;
  // `new Function` puts two lines of its own before the body; the body's first line opens the call.
  const body = `${'\n'.repeat(Math.max(0, Number(line) - 4))}return (\n${' '.repeat(Number(column) - 1)}fn(...args));\n//# sourceURL=${file}`;
  return new Function('fn', 'args', body)(fn, args);
}

export const it = limitedTest(real.it);
export const test = limitedTest(real.test);
export const before = limitedHook(real.before);
export const after = limitedHook(real.after);
export const beforeEach = limitedHook(real.beforeEach);
export const afterEach = limitedHook(real.afterEach);
export default test;
