// Module resolution hook: a test file's `node:test` is node-test.mjs, which imports the real one.
const wrapper = new URL('./node-test.mjs', import.meta.url).href;

export async function resolve(specifier, context, next) {
  if (specifier === 'node:test' && context.parentURL !== wrapper) return { url: wrapper, shortCircuit: true };
  return next(specifier, context);
}
