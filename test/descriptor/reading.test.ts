/** Reading bytes: formats, encodings, limits, and the YAML that JSON cannot carry. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseDescriptor } from '../../src/descriptor/index.js';
import { descriptorError } from './assertions.js';

const yaml = `meta:
  schemaVersion: v2
component:
  name: github.com/acme.org/helloworld
  version: 1.0.0
  provider: acme.org
  repositoryContexts: []
  resources: []
  sources: []
  componentReferences: []
`;

/** The base YAML with one more component key. */
const withLabelValue = (value: string): string => `${yaml}  labels:\n  - name: test\n    value: ${value}\n`;

function problems(input: Uint8Array | string, options: Parameters<typeof parseDescriptor>[1] = {}): string {
  return descriptorError(() => parseDescriptor(input, options))
    .issues.map((i) => i.message)
    .join('\n');
}

describe('reading descriptors', () => {
  it('reads UTF-8 bytes, with or without a byte order mark, and strings', () => {
    const bytes = new TextEncoder().encode(yaml);
    const expected = parseDescriptor(yaml);
    assert.deepEqual(parseDescriptor(bytes), expected);
    assert.deepEqual(parseDescriptor(new Uint8Array([0xef, 0xbb, 0xbf, ...bytes])), expected);
    assert.deepEqual(parseDescriptor(`\uFEFF${yaml}`), expected);
    assert.equal(expected.component.version, '1.0.0');
  });

  it('refuses bytes that are not UTF-8', () => {
    assert.match(problems(new Uint8Array([0x6d, 0x65, 0xff, 0xfe])), /not valid UTF-8/);
  });

  it('reads JSON, and YAML flow mappings that look like JSON', () => {
    const json = JSON.stringify(parseDescriptor(yaml));
    assert.deepEqual(parseDescriptor(json, { format: 'json' }), parseDescriptor(yaml));
    const flow =
      '{meta: {schemaVersion: v2}, component: {name: github.com/a/b, version: "1", provider: p, repositoryContexts: [], resources: [], sources: [], componentReferences: []}}';
    assert.equal(parseDescriptor(flow).component.name, 'github.com/a/b');
    assert.match(problems(flow, { format: 'json' }), /invalid JSON at line 1, column 2/);
  });

  it('refuses duplicate keys in YAML and in JSON', () => {
    assert.match(problems(`${yaml}  provider: other\n`), /Map keys must be unique/);
    const json = '{"meta":{"schemaVersion":"v2","schemaVersion":"v2"},"component":{}}';
    assert.match(problems(json), /duplicate key "schemaVersion"/);
    assert.match(problems(json, { format: 'json' }), /duplicate key "schemaVersion"/);
  });

  it('refuses input over the size limit, counted in UTF-8 bytes', () => {
    assert.match(problems(yaml, { maxBytes: 100 }), /larger than the limit of 100 bytes/);
    assert.match(problems(new TextEncoder().encode(yaml), { maxBytes: 100 }), /larger than the limit/);
    // 40 characters, 120 bytes.
    assert.match(problems('€'.repeat(40), { maxBytes: 100 }), /larger than the limit/);
    assert.equal(parseDescriptor(yaml, { maxBytes: yaml.length }).component.provider, 'acme.org');
  });

  it('refuses a YAML alias bomb', () => {
    let bomb = `${yaml}  labels:\n  - name: bomb\n    value:\n      a: &a ["x","x","x","x","x","x","x","x","x"]\n`;
    let previous = 'a';
    for (const anchor of 'bcdefghi') {
      bomb += `      ${anchor}: &${anchor} [${Array(9).fill(`*${previous}`).join(',')}]\n`;
      previous = anchor;
    }
    assert.match(problems(bomb), /too many alias expansions/);
  });

  it('follows a few aliases and merge keys, as the Go readers do', () => {
    const d = parseDescriptor(
      `${yaml}  labels:\n  - name: a\n    value: &v {x: 1}\n  - name: b\n    value:\n      <<: *v\n      y: 2\n`,
    );
    assert.deepEqual(d.component.labels?.[1]?.value, { x: 1, y: 2 });
  });

  it('refuses deep nesting in YAML and JSON without exhausting the stack', () => {
    assert.match(problems(withLabelValue(`${'['.repeat(150)}${']'.repeat(150)}`)), /nesting deeper than 100/);
    assert.match(
      problems(`{"a":${'['.repeat(150)}${']'.repeat(150)}}`, { format: 'json' }),
      /nesting deeper/,
    );
    assert.match(problems('['.repeat(100_000)), /./);
    assert.match(problems(`{"a":${'['.repeat(100_000)}`, { format: 'json' }), /./);
  });

  const notJson: Array<[string, string, RegExp]> = [
    ['a custom tag', '!acme x', /!acme/],
    ['a binary tag', '!!binary aGk=', /tag:yaml.org,2002:binary is not allowed/],
    ['a set tag', '!!set {a: null}', /is not allowed/],
    ['infinity', '.inf', /number \.inf is not allowed/],
    ['not a number', '.nan', /is not allowed/],
    ['an integer beyond 2^53', '12345678901234567890', /too large to be kept exactly/],
    ['a non-string key', '{1: a}', /map keys must be strings, not "1"/],
    ['a boolean key', '{true: a}', /map keys must be strings/],
    ['a list as key', '{[a]: b}', /map keys must be strings/],
  ];
  for (const [title, value, message] of notJson) {
    it(`refuses YAML JSON cannot carry: ${title}`, () => {
      assert.match(problems(withLabelValue(value)), message);
    });
  }

  it('accepts the core YAML tags and large floats', () => {
    const d = parseDescriptor(withLabelValue('{a: !!str 1, b: 1.5e300, c: 9007199254740991}'));
    assert.deepEqual(d.component.labels?.[0]?.value, { a: '1', b: 1.5e300, c: 9007199254740991 });
  });

  it('refuses integers JSON.parse would round, in JSON', () => {
    const json = JSON.stringify(parseDescriptor(yaml))
      .replace('"labels"', '"x"')
      .replace('}}', ',"n":12345678901234567890}}');
    assert.match(problems(json, { format: 'json' }), /integer too large/);
  });

  it('refuses several YAML documents and reports syntax errors with their line', () => {
    assert.match(problems(`${yaml}---\na: 1\n`), /multiple documents/);
    assert.match(problems('meta:\n  schemaVersion: v2\ncomponent: [a, b\n'), /line 4, column 1/);
  });

  it('keeps a "__proto__" key as data', () => {
    for (const format of ['yaml', 'json'] as const) {
      const text =
        format === 'json'
          ? JSON.stringify(parseDescriptor(withLabelValue('{"__proto__": {"polluted": true}}')))
          : withLabelValue('{"__proto__": {"polluted": true}}');
      const value = parseDescriptor(text, { format }).component.labels?.[0]?.value as Record<string, unknown>;
      assert.deepEqual(Object.keys(value), ['__proto__']);
      assert.equal(Object.getPrototypeOf(value), Object.prototype);
      assert.equal(({} as Record<string, unknown>).polluted, undefined);
    }
  });

  it('refuses input that is neither a string nor bytes', () => {
    assert.match(problems(42 as unknown as string), /must be a string or a Uint8Array/);
  });
});
