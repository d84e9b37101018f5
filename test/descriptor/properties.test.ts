/** Property-based tests (fast-check): the reader's error contract, tag mapping, ordering, YAML round trips. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import YAML from 'yaml';
import {
  compareVersions,
  InvalidDescriptorError,
  InvalidVersionError,
  isValidVersion,
  isVersionLikeTag,
  parseDescriptor,
  serialiseDescriptor,
  tagToVersion,
  toGoYaml,
  versionFromTag,
  versionToTag,
} from '../../src/descriptor/index.js';
import { isExactInteger } from '../../src/descriptor/json.js';
import { comparePrecedenceForTest } from '../../src/descriptor/version.js';
import { isValidTag } from '../../src/oci/reference.js';
import { descriptorWith } from './assertions.js';
import { ctfDescriptors } from './fixture-descriptors.js';

/** Strings that YAML (1.1 or 1.2) or go-yaml treat specially, mixed into generated text. */
const tricky = fc.constantFrom(
  ...[
    'yes',
    'No',
    'on',
    'OFF',
    'y',
    'n',
    'true',
    'False',
    'null',
    'Null',
    '~',
    '',
    ' ',
    ' x',
    'x ',
    '1.0',
    '1',
    '-1',
    '+1',
  ],
  ...[
    '0x1F',
    '0o17',
    '017',
    '08',
    '0b101',
    '1_000',
    '1e3',
    '.5',
    '.inf',
    '-.Inf',
    '.nan',
    '2025-01-01',
    '2025-03-18T09:44:42Z',
  ],
  ...[
    '2001-12-14 21:59:43.10',
    '1:20',
    '<<',
    '=',
    'a: b',
    'a #b',
    '#',
    '- x',
    '-',
    '? x',
    ':',
    '|',
    '>',
    '!x',
    '&a',
    '*a',
    '%x',
  ],
  ...[
    '@x',
    '`x',
    '{',
    '}',
    '[',
    ']',
    ',',
    '"',
    "'",
    'a\nb',
    'a\n',
    '\n',
    ' a\n b',
    '\t',
    'a\tb',
    '\u00a0',
    '\u2028',
    'x'.repeat(90),
  ],
  ...[`${'word '.repeat(30)}end`, 'ä', '😀', '\u0007', '\r\n', 'a\r\nb', '---', '...', '--- x'],
);
const text = fc.oneof(tricky, fc.string({ unit: 'binary', maxLength: 30 }), fc.string({ maxLength: 10 }));
/** Numbers every reader reads alike (the writer refuses the others, see serialisation.test.ts). */
const number = fc.oneof(
  fc.integer(),
  fc.maxSafeInteger(),
  fc
    .double({ noNaN: true, noDefaultInfinity: true })
    .filter((n) => !Object.is(n, -0) && isExactInteger(String(n), n)),
);
const { json } = fc.letrec<{ json: unknown }>((tie) => ({
  json: fc.oneof(
    { depthSize: 'small' },
    text,
    number,
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('json'), { maxLength: 4 }),
    fc.dictionary(text, tie('json'), { maxKeys: 4, noNullPrototype: true }),
  ),
}));

/** A relaxed semantic version, built from its grammar. */
const identifier = fc.oneof(
  fc.nat({ max: 10_000 }).map(String),
  fc.stringMatching(/^[0-9]*[a-zA-Z-][0-9a-zA-Z-]{0,6}$/),
);
const version = fc
  .record({
    v: fc.boolean(),
    core: fc.array(fc.nat({ max: 1_000_000 }), { minLength: 1, maxLength: 3 }),
    pre: fc.option(fc.array(identifier, { minLength: 1, maxLength: 3 }), { nil: undefined }),
    build: fc.option(fc.array(fc.stringMatching(/^[0-9a-zA-Z-]{1,8}$/), { minLength: 1, maxLength: 3 }), {
      nil: undefined,
    }),
  })
  .map(
    ({ v, core, pre, build }) =>
      `${v ? 'v' : ''}${core.join('.')}${pre ? `-${pre.join('.')}` : ''}${build ? `+${build.join('.')}` : ''}`,
  );

/** Strict and lenient reads of `input` either return a descriptor or throw InvalidDescriptorError. */
function onlyInvalidDescriptorErrors(input: string | Uint8Array, format?: 'yaml' | 'json'): void {
  for (const strict of [true, false]) {
    try {
      const d = parseDescriptor(input, format === undefined ? { strict } : { format, strict });
      // Whatever it accepts is navigable.
      assert.equal(typeof d.component.name, 'string');
      assert.equal(typeof d.component.version, 'string');
    } catch (e) {
      if (!(e instanceof InvalidDescriptorError)) throw e;
      assert.ok(e.issues.length > 0);
    }
  }
}

describe('properties', () => {
  it('the reader throws nothing but InvalidDescriptorError on arbitrary text', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ unit: 'binary' }),
          fc.array(text).map((parts) => parts.join('')),
        ),
        (s) => {
          onlyInvalidDescriptorErrors(s);
          onlyInvalidDescriptorErrors(s, 'json');
        },
      ),
      { numRuns: 500 },
    );
  });

  it('the reader throws nothing but InvalidDescriptorError on arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => onlyInvalidDescriptorErrors(bytes)),
      {
        numRuns: 500,
      },
    );
  });

  it('the reader throws nothing but InvalidDescriptorError on arbitrary JSON and YAML values', () => {
    fc.assert(
      fc.property(json, (value) => {
        onlyInvalidDescriptorErrors(JSON.stringify(value) ?? 'null', 'json');
        onlyInvalidDescriptorErrors(YAML.stringify(value));
        onlyInvalidDescriptorErrors(YAML.stringify({ meta: { schemaVersion: 'v2' }, component: value }));
      }),
      { numRuns: 300 },
    );
  });

  it('a real descriptor with one value replaced is valid and round-trips, or is refused with paths', () => {
    const hello = parseDescriptor(ctfDescriptors()[3]?.bytes ?? '');
    const paths: Array<Array<string | number>> = [];
    const walk = (node: unknown, path: Array<string | number>): void => {
      paths.push(path);
      if (Array.isArray(node)) for (const [i, item] of node.entries()) walk(item, [...path, i]);
      else if (node !== null && typeof node === 'object') {
        for (const [key, item] of Object.entries(node)) walk(item, [...path, key]);
      }
    };
    walk(hello, []);
    fc.assert(
      fc.property(fc.constantFrom(...paths.filter((p) => p.length > 0)), json, (path, value) => {
        const copy = structuredClone(hello) as unknown as Record<string | number, unknown>;
        let parent = copy;
        for (const key of path.slice(0, -1)) parent = parent[key] as Record<string | number, unknown>;
        parent[path.at(-1) as string | number] = value;
        try {
          const d = parseDescriptor(JSON.stringify(copy));
          assert.deepEqual(parseDescriptor(serialiseDescriptor(d)), d);
        } catch (e) {
          if (!(e instanceof InvalidDescriptorError)) throw e;
          assert.ok(e.issues.length > 0);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('generated versions are valid and map to tags that read back as themselves', () => {
    fc.assert(
      fc.property(version, (v) => {
        assert.ok(isValidVersion(v), v);
        let tag: string;
        try {
          tag = versionToTag(v);
        } catch (e) {
          // Only collisions with ".build-" and over-long tags are refused.
          assert.ok(e instanceof InvalidVersionError, String(e));
          assert.ok(v.includes('.build-') || v.length > 128 - 6, v);
          return;
        }
        assert.ok(isValidTag(tag), tag);
        assert.ok(!tag.includes('+'));
        assert.equal(tagToVersion(tag), v);
        assert.equal(versionFromTag(tag), v);
        assert.ok(isVersionLikeTag(tag));
      }),
      { numRuns: 1000 },
    );
  });

  it('versions with a ".build-" pre-release are generated and refused', () => {
    assert.throws(() => versionToTag('1.0.0-x.build-1'), InvalidVersionError);
  });

  it('ordering through the semver package agrees with our own SemVer precedence', () => {
    fc.assert(
      fc.property(version, version, (a, b) => {
        assert.equal(
          Math.sign(compareVersions(a, b)),
          Math.sign(comparePrecedenceForTest(a, b)),
          `${a} vs ${b}`,
        );
        assert.equal(Math.sign(compareVersions(a, b)), -Math.sign(compareVersions(b, a)) || 0);
      }),
      { numRuns: 1000 },
    );
  });

  it('Go-style YAML reads back as the same value, also under YAML 1.1 rules (as go-yaml reads)', () => {
    fc.assert(
      fc.property(json, (value) => {
        const out = toGoYaml(value);
        assert.deepEqual(YAML.parse(out), value);
        assert.deepEqual(YAML.parse(out, { version: '1.1' }), value, out);
      }),
      { numRuns: 500 },
    );
  });

  it('descriptors with arbitrary label values and access fields round-trip through YAML and JSON', () => {
    fc.assert(
      fc.property(
        json,
        fc.dictionary(text, json, { maxKeys: 3, noNullPrototype: true }),
        (labelValue, accessExtra) => {
          const d = descriptorWith({
            labels: [{ name: 'value', value: labelValue as never }],
            resources: [
              {
                name: 'res',
                version: '1.0.0',
                type: 'blob',
                relation: 'external',
                access: { ...(accessExtra as Record<string, never>), type: 'custom' },
              },
            ],
            sources: null,
          });
          assert.deepEqual(parseDescriptor(serialiseDescriptor(d)), d);
          assert.deepEqual(parseDescriptor(serialiseDescriptor(d, { format: 'json' })), d);
        },
      ),
      { numRuns: 300 },
    );
  });
});
