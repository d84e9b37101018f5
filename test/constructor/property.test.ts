/** Whatever text it is given, `readConstructor` answers a constructor or a typed error, never a crash. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { parse, stringify as toYaml } from 'yaml';
import { addComponentsFromConstructor, readConstructor } from '../../src/constructor/index.js';
import { OcmError } from '../../src/errors.js';
import { readAll } from '../../src/oci/content/read.js';
import { COMPONENT, clock, withRepo, workspace } from './helpers.js';

const baseDir = '/nonexistent-base';
const TYPED = new Set(['INVALID_CONSTRUCTOR', 'UNDEFINED_VARIABLE']);

async function onlyTyped(text: string, env: Record<string, string> = {}): Promise<void> {
  let spec: Awaited<ReturnType<typeof readConstructor>>;
  try {
    spec = await readConstructor({ text, baseDir }, { env });
  } catch (error) {
    assert.ok(error instanceof OcmError, `untyped ${String(error)}`);
    assert.ok(TYPED.has(error.code), error.code);
    assert.ok(error.message.length > 0);
    return;
  }
  // A success is a usable constructor: a list of components, each named and versioned.
  assert.ok(Array.isArray(spec.components));
  for (const c of spec.components) {
    assert.equal(typeof c.name, 'string');
    assert.equal(typeof c.version, 'string');
  }
}

const base = {
  name: 'github.com/acme/app',
  version: '1.0.0',
  provider: { name: 'acme' },
  resources: [
    { name: 'config', type: 'blob', input: { type: 'file', path: 'x' } },
    {
      name: 'image',
      type: 'ociImage',
      version: '1.0.0',
      access: { type: 'ociArtifact', imageReference: 'a/b:1' },
    },
  ],
};

/** Replaces the value at a random path of `doc` by `value`. */
function mutate(doc: unknown, path: number[], value: unknown): unknown {
  if (path.length === 0 || doc === null || typeof doc !== 'object') return value;
  const keys = Object.keys(doc);
  if (keys.length === 0) return value;
  const key = keys[path[0]! % keys.length]!;
  const copy = (Array.isArray(doc) ? [...doc] : { ...doc }) as Record<string, unknown>;
  copy[key] = mutate((doc as Record<string, unknown>)[key], path.slice(1), value);
  return copy;
}

describe('readConstructor on arbitrary input', () => {
  it('arbitrary strings', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 300, unit: 'binary' }), (t) => onlyTyped(t)),
      {
        numRuns: 400,
      },
    );
  });

  it('arbitrary JSON values as YAML and as JSON', async () => {
    await fc.assert(
      fc.asyncProperty(fc.jsonValue({ maxDepth: 4 }), async (v) => {
        await onlyTyped(JSON.stringify(v) ?? 'null');
        await onlyTyped(toYaml(v));
      }),
      { numRuns: 300 },
    );
  });

  it('a valid constructor with one value replaced, variables included', async () => {
    await onlyTyped(JSON.stringify(base));
    const values = fc.oneof(
      fc.jsonValue({ maxDepth: 2 }),
      // biome-ignore lint/suspicious/noTemplateCurlyInString: constructor text, not a template
      fc.constantFrom('${X}', '$Y', '${', '$$', '${1}', 'file', 'dir', 'utf8', '../x', '/etc/passwd'),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.nat(), { maxLength: 6 }),
        values,
        fc.dictionary(fc.constantFrom('X', 'Y'), fc.string()),
        (path, value, env) => onlyTyped(JSON.stringify(mutate(base, path, value)), env),
      ),
      { numRuns: 500 },
    );
  });
});

describe('building arbitrary values', () => {
  it('utf8 json/yaml inputs and label values: stored content reads back as the value, or a typed error', async () => {
    await workspace(async (ws) => {
      let run = 0;
      let built = 0;
      await withRepo(ws.ctf, async (repo) => {
        await fc.assert(
          fc.asyncProperty(
            fc.jsonValue({ maxDepth: 3 }),
            // Label values must be a string or a mapping; other JSON is in the mix to be refused.
            fc.oneof(
              fc.string(),
              fc.dictionary(fc.string(), fc.jsonValue({ maxDepth: 2 })),
              fc.jsonValue({ maxDepth: 2 }),
            ),
            async (value, label) => {
              const version = `1.0.${run++}`;
              const text = JSON.stringify({
                name: COMPONENT,
                version,
                provider: { name: 'acme' },
                labels: [{ name: 'l', value: label }],
                resources: [
                  { name: 'json', type: 'blob', input: { type: 'utf8', json: value } },
                  { name: 'yaml', type: 'blob', input: { type: 'utf8', yaml: value } },
                ],
              });
              let spec: Awaited<ReturnType<typeof readConstructor>>;
              try {
                spec = await readConstructor({ text, baseDir: ws.src });
                await addComponentsFromConstructor(repo, spec, { now: clock });
              } catch (error) {
                assert.ok(error instanceof OcmError, `untyped ${String(error)}`);
                assert.deepEqual(
                  await repo.listComponentVersions(COMPONENT).then((v) => v.includes(version)),
                  false,
                );
                return;
              }
              built++;
              const read = async (name: string) =>
                Buffer.from(
                  await readAll((await repo.getLocalResource(COMPONENT, version, { name })).content, 1 << 20),
                ).toString();
              // The value as the constructor reads it: variables are expanded in every string value
              // (`$$` is a literal `$`, src/constructor/env.ts), the input included.
              const input = spec.components[0]?.resources?.[0]?.input as { json?: unknown } | undefined;
              assert.ok(input && 'json' in input, 'the json input was read');
              // JSON cannot tell -0 from 0; everything else must come back exactly.
              const expected = JSON.parse(JSON.stringify(input.json));
              assert.deepEqual(JSON.parse(await read('json')), expected);
              assert.deepEqual(parse(await read('yaml')) ?? null, expected);
            },
          ),
          { numRuns: 40 },
        );
      });
      // The read-back check must have run, not only the typed refusals.
      assert.ok(built >= 15, `only ${built} of ${run} generated constructors were built`);
    });
  });
});
