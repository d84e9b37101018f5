/** Writing: go-yaml's key order and quoting, JSON, refusals, and the shipped schema copy. */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { goKeyCompare, goResolvesAsNonString } from '../../src/descriptor/goyaml.js';
import {
  InvalidDescriptorError,
  parseDescriptor,
  serialiseDescriptor,
  toGoYaml,
} from '../../src/descriptor/index.js';
import { descriptorError, descriptorWith } from './assertions.js';
import { fixtures } from './fixture-descriptors.js';

const base = descriptorWith({
  repositoryContexts: [{ type: 'OCIRegistry', baseUrl: 'ghcr.io', subPath: 'acme' }],
});

describe("go-yaml's key order", () => {
  it('sorts like keyList.Less: non-letters before letters, digit runs by value', () => {
    const keys = [
      'b',
      'a10',
      'a9',
      'ab',
      'a-b',
      'a',
      'A',
      'z1',
      'z01',
      '_x',
      '1',
      '10',
      '2',
      'ä',
      'a.b',
      'a_b',
    ];
    const sorted = [...keys].sort(goKeyCompare);
    // '_x' < '1': at a non-letter pair the digit runs are compared, and '_' starts none (0 < 1).
    // 'z1' < 'z01': equal values, the shorter run first.
    assert.deepEqual(sorted, [
      '_x',
      '1',
      '2',
      '10',
      'A',
      'a',
      'a-b',
      'a.b',
      'a_b',
      'a9',
      'a10',
      'ab',
      'b',
      'z1',
      'z01',
      'ä',
    ]);
  });

  it('orders a descriptor: component before meta, fields alphabetically', () => {
    const lines = serialiseDescriptor(base).split('\n');
    assert.deepEqual(
      lines.filter((l) => /^\S/.test(l) || /^ {2}\w/.test(l)),
      [
        'component:',
        '  componentReferences: []',
        '  name: github.com/acme/app',
        '  provider: acme',
        '  repositoryContexts:',
        '  resources: []',
        '  sources: []',
        '  version: 1.0.0',
        'meta:',
        '  schemaVersion: v2',
      ],
    );
    assert.match(
      serialiseDescriptor(base),
      /\n {2}repositoryContexts:\n {2}- baseUrl: ghcr\.io\n {4}subPath: acme\n {4}type: OCIRegistry\n/,
    );
  });
});

describe("go-yaml's quoting", () => {
  const quotedByGo = [
    'yes',
    'No',
    'on',
    'OFF',
    'y',
    'N',
    'true',
    'null',
    '~',
    '',
    '1',
    '-1',
    '+1',
    '1.0',
    '1e3',
    '.5',
    '0x1F',
    '0o17',
    '017',
    '0b101',
    '1_000',
    '2025-03-18T09:44:42Z',
    '2025-01-01',
    '2001-12-14 21:59:43.10',
    '1:20',
    '<<',
    '.inf',
    '-.Inf',
    '.NaN',
  ];
  const plainForGo = [
    '1.0.0',
    'v1.2',
    '6.7.1',
    'acme.org',
    'sha256:abc',
    'application/vnd.oci.image.manifest.v1+tar+gzip',
    'localBlob',
    'x1',
    'nope',
    'Yes!',
    'ghcr.io/a/b:1.0@sha256:ab',
    '2025-13-01',
  ];
  for (const s of quotedByGo) {
    it(`double-quotes ${JSON.stringify(s)}`, () => {
      assert.equal(goResolvesAsNonString(s), true);
      assert.equal(toGoYaml({ k: s }), `k: ${JSON.stringify(s)}\n`);
    });
  }
  for (const s of plainForGo) {
    it(`writes ${JSON.stringify(s)} plain`, () => {
      assert.equal(goResolvesAsNonString(s), false);
      assert.equal(toGoYaml({ k: s }), `k: ${s}\n`);
    });
  }
  it('single-quotes strings that cannot be plain, uses literal blocks for several lines, quotes keys too', () => {
    assert.equal(toGoYaml({ k: 'a: b' }), "k: 'a: b'\n");
    assert.equal(toGoYaml({ k: '- x' }), "k: '- x'\n");
    assert.equal(toGoYaml({ k: ' lead' }), "k: ' lead'\n");
    assert.equal(toGoYaml({ k: 'line1\nline2' }), 'k: |-\n  line1\n  line2\n');
    assert.equal(toGoYaml({ yes: 1, '1.0': 2 }), '"1.0": 2\n"yes": 1\n');
  });
  it('writes scalars, empty collections and nested lists as go-yaml does', () => {
    assert.equal(
      toGoYaml({ a: null, b: true, c: 1.5, d: [], e: {}, f: [[1, 2], { x: 1 }] }),
      'a: null\nb: true\nc: 1.5\nd: []\ne: {}\nf:\n- - 1\n  - 2\n- x: 1\n',
    );
  });
});

describe('serialising', () => {
  it('writes compact JSON in the order the object holds its keys', () => {
    const json = serialiseDescriptor(base, { format: 'json' });
    assert.equal(json, JSON.stringify(base));
    assert.ok(json.startsWith('{"meta":{"schemaVersion":"v2"},"component":{"name":'));
  });

  it('leaves out undefined values, as JSON does, in YAML too', () => {
    const d = { ...base, component: { ...base.component, labels: undefined } };
    assert.doesNotMatch(serialiseDescriptor(d), /labels/);
    assert.deepEqual(parseDescriptor(serialiseDescriptor(d)), base);
  });

  it('refuses numbers that would not read back as the same value, with their path', () => {
    // 2 ** 60 prints as 1152921504606847000, which Go reads as that (different) int64.
    for (const value of [Number.NaN, Number.POSITIVE_INFINITY, 47092370440063370, 2 ** 60]) {
      const d = { ...base, component: { ...base.component, labels: [{ name: 'n', value }] } };
      for (const format of ['yaml', 'json'] as const) {
        const e = descriptorError(() => serialiseDescriptor(d, { format }));
        assert.equal(e.issues[0]?.path, 'component.labels[0].value');
      }
    }
    const ok = {
      ...base,
      component: { ...base.component, labels: [{ name: 'n', value: [2 ** 53, 1e21, 0.1] }] },
    };
    assert.deepEqual(parseDescriptor(serialiseDescriptor(ok)), ok);
    assert.throws(() => toGoYaml({ n: Number.NaN }), InvalidDescriptorError);
  });
});

describe('shipped schema', () => {
  const shipped = new URL('../../src/descriptor/schema/', import.meta.url);
  it('is the fixture schema, byte for byte, with its provenance notice', () => {
    const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
    const copy = readFileSync(new URL('component-descriptor-v2.schema-2020-12.json', shipped));
    const original = readFileSync(new URL('schemas/component-descriptor-v2.schema-2020-12.json', fixtures));
    assert.equal(sha(copy), sha(original));
    const notice = readFileSync(new URL('NOTICE.md', shipped), 'utf8');
    assert.match(notice, /open-component-model\/open-component-model/);
    assert.match(notice, /bindings\/go\/descriptor\/v2\/resources\/schema-2020-12\.json/);
    assert.match(notice, /Apache License, Version 2\.0/);
  });
});
