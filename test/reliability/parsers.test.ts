/**
 * Property-based fuzzing of every text parser (issue 8, point 2): whatever the input, a parser
 * answers a value that satisfies its own contract or throws a typed error (`OcmError`, `UsageError`
 * for the CLI's), never a TypeError, RangeError or stack overflow. Existing property tests of
 * `parseDescriptor` (test/descriptor/properties.test.ts) and `readConstructor`
 * (test/constructor/property.test.ts) cover arbitrary strings and JSON; here they get YAML-shaped
 * and deeply nested input, the other parsers get everything. Bounded: fixed numRuns per property.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { parse as parseArgv } from '../../src/cli/args.js';
import { commands } from '../../src/cli/commands/index.js';
import { parseComponentRef } from '../../src/cli/ref.js';
import { parseConstructor } from '../../src/constructor/read.js';
import { ArtifactIndex } from '../../src/ctf/artifact-index.js';
import { isValidVersion } from '../../src/descriptor/grammar.js';
import { parseDescriptor } from '../../src/descriptor/parse.js';
import { versionFromTag, versionToTag } from '../../src/descriptor/version.js';
import { OcmError } from '../../src/errors.js';
import { encodeManifest, parseManifest, referencedDescriptors } from '../../src/oci/manifest.js';
import { MediaType } from '../../src/oci/mediatype.js';
import {
  formatReference,
  isValidRegistryHost,
  isValidRepository,
  isValidTag,
  parseReference,
  parseRemoteReference,
  repositoryPattern,
} from '../../src/oci/reference.js';
import { parseRepositorySpec } from '../../src/open.js';
import { aliasProblem, validateAlias } from '../../src/repository/aliases.js';
import { InvalidAliasError } from '../../src/repository/errors.js';
import {
  anyScalar,
  CLI_ERRORS,
  deeplyNested,
  grammarish,
  hostileJson,
  hostileString,
  nasty,
  params,
  refuses,
  typedOnly,
} from './fuzz.js';

const enc = new TextEncoder();
const hex64 = fc.stringMatching(/^[0-9a-f]{64}$/);
const digest = fc.oneof(
  { weight: 4, arbitrary: hex64.map((h) => `sha256:${h}`) },
  { weight: 1, arbitrary: hostileString },
);
const mediaType = fc.oneof(
  fc.constantFrom(
    MediaType.ImageManifest,
    MediaType.ImageIndex,
    'application/vnd.docker.distribution.manifest.v2+json',
    'application/vnd.docker.distribution.manifest.list.v2+json',
    'application/octet-stream',
    'application/vnd.oci.empty.v1+json',
  ),
  hostileString,
);
const descriptorish = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record(
      {
        mediaType,
        digest,
        size: fc.oneof(fc.nat(), anyScalar),
        annotations: fc.oneof(fc.dictionary(hostileString, fc.oneof(hostileString, anyScalar)), anyScalar),
        urls: fc.oneof(fc.array(hostileString), anyScalar),
        data: anyScalar,
        artifactType: mediaType,
      },
      { requiredKeys: ['mediaType', 'digest', 'size'] },
    ),
  },
  { weight: 1, arbitrary: hostileJson },
);

/** Bytes of a JSON document with a few hostile twists (trailing garbage, BOM, truncation). */
function documentBytes(value: fc.Arbitrary<unknown>): fc.Arbitrary<Uint8Array> {
  return fc
    .tuple(value, fc.constantFrom('plain', 'bom', 'truncate', 'garbage', 'latin1'), fc.nat())
    .map(([v, twist, n]) => {
      const text = JSON.stringify(v) ?? 'null';
      if (twist === 'bom') return enc.encode(`\uFEFF${text}`);
      if (twist === 'truncate') return enc.encode(text.slice(0, n % (text.length + 1)));
      if (twist === 'garbage') return enc.encode(`${text}}}`);
      if (twist === 'latin1') return Buffer.from(text, 'latin1');
      return enc.encode(text);
    });
}

describe('fuzz: CTF artifact index', () => {
  const entry = fc.oneof(
    {
      weight: 5,
      arbitrary: fc.record(
        {
          repository: fc.oneof(fc.constantFrom('component-descriptors/example.com/a', 'a/b'), hostileString),
          tag: fc.oneof(fc.constantFrom('1.0.0', 'prod', ''), hostileString, anyScalar),
          digest,
          mediaType: fc.oneof(mediaType, anyScalar),
          extra: hostileJson,
        },
        { requiredKeys: ['repository', 'digest'] },
      ),
    },
    { weight: 1, arbitrary: hostileJson },
  );
  const index = fc.oneof(
    {
      weight: 5,
      arbitrary: fc.record({
        schemaVersion: fc.oneof(fc.constant(1), anyScalar),
        artifacts: fc.oneof(fc.array(entry, { maxLength: 8 }), anyScalar),
      }),
    },
    { weight: 1, arbitrary: hostileJson },
  );

  it('typed errors only; what parses round-trips through serialize and a strict parse', () => {
    fc.assert(
      fc.property(
        fc.oneof(documentBytes(index), fc.uint8Array({ maxLength: 200 })),
        fc.boolean(),
        (bytes, strict) => {
          const parsed = typedOnly(
            () => ArtifactIndex.parse(bytes, { strict }),
            [OcmError],
            'ArtifactIndex.parse',
          );
          if (!parsed) return;
          const again = ArtifactIndex.parse(parsed.serialize(), { strict: true });
          assert.deepEqual(again.entries, parsed.entries);
          const pairs = parsed.entries
            .filter((e) => e.tag !== undefined)
            .map((e) => `${e.repository}:${e.tag}`);
          assert.equal(new Set(pairs).size, pairs.length, 'a (repository, tag) pair appears once');
          for (const e of parsed.entries) {
            assert.ok(!e.repository.split('/').includes('..'), 'no climbing repository path');
            if (e.tag !== undefined) assert.ok(isValidTag(e.tag));
          }
        },
      ),
      params(1500),
    );
  });

  it('large and deep indexes stay linear and typed', () => {
    const many = {
      schemaVersion: 1,
      artifacts: Array.from({ length: 20_000 }, (_, i) => ({
        repository: 'r',
        tag: `t${i % 5000}`,
        digest: `sha256:${(i % 7).toString(16).repeat(64)}`,
      })),
    };
    const started = Date.now();
    const parsed = ArtifactIndex.parse(enc.encode(JSON.stringify(many)));
    assert.equal(parsed.entries.filter((e) => e.tag !== undefined).length, 5000);
    assert.ok(Date.now() - started < 5000, 'parsing 20,000 entries takes under 5 s');
    refuses(
      () => ArtifactIndex.parse(enc.encode(`${'['.repeat(100_000)}${']'.repeat(100_000)}`)),
      [OcmError],
      'nested lists as an index',
    );
    refuses(() => ArtifactIndex.parse(enc.encode(deeplyNested(5000))), [OcmError], 'deep index');
  });
});

describe('fuzz: OCI manifests and indexes', () => {
  const document = fc.record(
    {
      schemaVersion: fc.oneof(fc.constant(2), anyScalar),
      mediaType,
      artifactType: mediaType,
      config: descriptorish,
      layers: fc.oneof(fc.array(descriptorish, { maxLength: 4 }), anyScalar),
      manifests: fc.oneof(fc.array(descriptorish, { maxLength: 4 }), anyScalar),
      subject: descriptorish,
      annotations: fc.oneof(fc.dictionary(hostileString, hostileString), hostileJson),
    },
    { requiredKeys: [] },
  );
  it('typed errors only; what parses lists valid descriptors and re-encodes', () => {
    fc.assert(
      fc.property(fc.oneof(documentBytes(document), documentBytes(hostileJson)), mediaType, (bytes, type) => {
        const m = typedOnly(() => parseManifest(bytes, type), [OcmError], 'parseManifest');
        if (!m) return;
        for (const d of referencedDescriptors(m)) {
          assert.equal(typeof d.digest, 'string');
          assert.ok(Number.isSafeInteger(d.size) && d.size >= 0);
        }
        assert.deepEqual(parseManifest(encodeManifest(m), type), m);
      }),
      params(1500),
    );
  });
  it('refuses documents over 4 MiB and absurd nesting with typed errors', () => {
    const big = refuses(
      () => parseManifest(new Uint8Array(4 * 1024 * 1024 + 1).fill(0x20), MediaType.ImageManifest),
      [OcmError],
      'manifest over 4 MiB',
    );
    assert.equal((big as OcmError).code, 'TOO_LARGE');
    const deep = enc.encode(`{"schemaVersion":2,"config":${deeplyNested(3000)}}`);
    refuses(() => parseManifest(deep, MediaType.ImageManifest), [OcmError], 'deep manifest');
  });
});

describe('fuzz: references and repository specs', () => {
  it('parseReference / parseRemoteReference: typed errors; results format back to themselves', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          grammarish,
          hostileString,
          fc.tuple(grammarish, hex64).map(([a, h]) => `${a}@sha256:${h}`),
        ),
        fc.boolean(),
        (text, requireVersion) => {
          const ref = typedOnly(() => parseReference(text, { requireVersion }), [OcmError], 'parseReference');
          if (ref) {
            assert.ok(isValidRepository(ref.repository));
            if (ref.tag !== undefined) assert.ok(isValidTag(ref.tag));
            assert.deepEqual(parseReference(formatReference(ref), { requireVersion }), ref);
          }
          const remote = typedOnly(() => parseRemoteReference(text, { requireVersion }), [OcmError]);
          if (remote) {
            assert.ok(isValidRegistryHost(remote.registry));
            assert.deepEqual(parseRemoteReference(formatReference(remote), { requireVersion }), remote);
          }
        },
      ),
      params(3000),
    );
  });

  it('parseRepositorySpec: typed errors; a CTF is an absolute path, a registry a valid host', () => {
    fc.assert(
      fc.property(fc.oneof(grammarish, hostileString), (text) => {
        const spec = typedOnly(
          () => parseRepositorySpec(text, '/work-dir'),
          [OcmError],
          'parseRepositorySpec',
        );
        if (!spec) return;
        if (spec.type === 'ctf') assert.ok(spec.path.startsWith('/'), spec.path);
        else {
          assert.ok(isValidRegistryHost(spec.host), spec.host);
          // The length limit applies to the full repository names built on it later, not here.
          assert.ok(spec.prefix === '' || repositoryPattern.test(spec.prefix), spec.prefix);
        }
      }),
      params(3000),
    );
  });

  it('parseComponentRef: only UsageError; a result names a valid component', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          grammarish,
          hostileString,
          fc
            .tuple(grammarish, fc.constantFrom('//example.com/a', '//EXAMPLE.com/a', '//'), grammarish)
            .map((p) => p.join('')),
        ),
        fc.record({ requireVersion: fc.boolean(), forbidVersion: fc.boolean() }),
        (text, options) => {
          const ref = typedOnly(() => parseComponentRef(text, options), CLI_ERRORS, 'parseComponentRef');
          if (!ref) return;
          assert.ok(ref.repository.length > 0);
          assert.match(ref.component, /^[a-z0-9.-]+(\/[a-z0-9._-]+)+$/);
          if (options.requireVersion) assert.ok(ref.version !== undefined && ref.version !== '');
        },
      ),
      params(3000),
    );
  });

  it('CLI argument parsing of every command: only UsageError', () => {
    const flagish = fc.oneof(
      hostileString,
      fc.constantFrom(
        '--',
        '-',
        '--output',
        '-o',
        '--expect',
        '--username',
        '--password-stdin',
        '--x=',
        '-qh',
        '--help=1',
        '--concurrency',
        '-O',
      ),
    );
    fc.assert(
      fc.property(fc.constantFrom(...commands), fc.array(flagish, { maxLength: 8 }), (command, argv) => {
        typedOnly(() => parseArgv(argv, command.options), CLI_ERRORS, `parse ${command.name}`);
      }),
      params(1500),
    );
  });
});

describe('fuzz: tags, aliases and versions', () => {
  const tagLike = fc.oneof(
    grammarish,
    hostileString,
    fc.stringMatching(/^[A-Za-z0-9_][A-Za-z0-9._-]{0,20}$/),
    fc
      .tuple(fc.nat(99), fc.nat(99), fc.nat(99), fc.stringMatching(/^[0-9A-Za-z-]{0,6}$/))
      .map(([a, b, c, s]) => `${a}.${b}.${c}${s ? `.build-${s}` : ''}`),
  );
  it('aliasProblem never throws; validateAlias throws InvalidAliasError exactly when there is a problem', () => {
    fc.assert(
      fc.property(tagLike, (name) => {
        const problem = aliasProblem(name);
        let thrown: unknown;
        try {
          validateAlias(name);
        } catch (err) {
          thrown = err;
        }
        if (problem === undefined) {
          assert.equal(thrown, undefined);
          // An alias is a tag and never reads back as a version.
          assert.ok(isValidTag(name));
          assert.equal(versionFromTag(name), undefined);
          assert.ok(!isValidVersion(name));
        } else {
          assert.ok(thrown instanceof InvalidAliasError, `${String(thrown)}`);
        }
      }),
      params(4000),
    );
  });

  it('versionToTag: typed errors; every tag is valid and reads back as its version', () => {
    fc.assert(
      fc.property(tagLike, (text) => {
        const tag = typedOnly(() => versionToTag(text), [OcmError], 'versionToTag');
        const back = versionFromTag(text); // never throws
        if (back !== undefined) assert.ok(isValidVersion(back));
        if (tag === undefined) return;
        assert.ok(isValidTag(tag), tag);
        assert.equal(versionFromTag(tag), text);
        assert.ok(aliasProblem(tag) !== undefined, 'a version tag is never an alias');
      }),
      params(4000),
    );
  });

  it('non-string inputs are refused with typed errors, not TypeErrors', () => {
    for (const value of [undefined, null, 1, {}, [], Symbol('x')] as unknown as string[]) {
      refuses(() => versionToTag(value), [OcmError], 'versionToTag(non-string)');
      refuses(() => validateAlias(value), [OcmError], 'validateAlias(non-string)');
      refuses(() => parseReference(value), [OcmError], 'parseReference(non-string)');
      refuses(() => parseRemoteReference(value), [OcmError], 'parseRemoteReference(non-string)');
      refuses(() => parseRepositorySpec(value), [OcmError], 'parseRepositorySpec(non-string)');
    }
  });
});

describe('fuzz: descriptors and constructors, YAML-shaped', () => {
  /** YAML built from its own syntax: anchors, aliases, merge keys, tags, flow and block forms. */
  const yamlToken = fc.constantFrom(
    'meta:',
    '  schemaVersion: v2',
    'component:',
    '  name: example.com/a',
    '  version: 1.0.0',
    '  provider: acme',
    '  resources:',
    '  - name: x',
    '    type: blob',
    '    access: {type: none}',
    '  sources: null',
    'components:',
    '- name: github.com/acme/app',
    '  version: 1.0.0',
    '  provider: {name: acme}',
    '    input: {type: file, path: ../x}',
    '    input: {type: dir, path: /etc}',
    `    input: {type: utf8, text: \${X}}`,
    '&a [*a]',
    '&b {x: *b}',
    '<<: *a',
    '<<: [*a, *b]',
    '? [a, b]\n: c',
    '!!binary aGk=',
    '!!set {a, b}',
    '!custom x',
    '--- ',
    '...',
    '%YAML 1.1',
    '%TAG ! tag:x,2000:',
    'x: 0x1F',
    'x: 1e400',
    'x: .nan',
    'x: 123456789012345678901234567890',
    'x: 2001-12-14',
    'x: |',
    'x: >-',
    '"\\uD800"',
    "'unterminated",
    '{',
    '[',
    '\t',
    '  ',
    '- ',
    ': ',
    '#',
    '\0',
  );
  const yamlText = fc.array(yamlToken, { maxLength: 16 }).map((lines) => lines.join('\n'));
  const anchors = fc.nat({ max: 12 }).map((n) => {
    // A billion-laughs ladder of n levels.
    const lines = ['a0: &a0 [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i <= n; i++)
      lines.push(
        `a${i}: &a${i} [${Array(10)
          .fill(`*a${i - 1}`)
          .join(', ')}]`,
      );
    return lines.join('\n');
  });

  it('parseDescriptor (strict and lenient): typed errors only', () => {
    fc.assert(
      fc.property(
        fc.oneof(yamlText, anchors),
        fc.constantFrom(undefined, 'yaml', 'json'),
        fc.boolean(),
        (text, format, strict) => {
          typedOnly(
            () => parseDescriptor(text, { ...(format ? { format: format as 'yaml' | 'json' } : {}), strict }),
            [OcmError],
            'parseDescriptor',
          );
        },
      ),
      params(1500),
    );
  });

  it('parseConstructor: typed errors only, also with hostile variables', () => {
    fc.assert(
      fc.property(
        fc.oneof(yamlText, anchors),
        fc.dictionary(
          fc.constantFrom('X', 'Y', 'HOME'),
          fc.oneof(hostileString, fc.constant(`\${X}`), fc.constant('$X$X$X$X')),
        ),
        (text, env) => {
          typedOnly(
            () => parseConstructor(text, '/nonexistent-base', undefined, { env }),
            [OcmError],
            'parseConstructor',
          );
        },
      ),
      params(1000),
    );
  });

  it('deep nesting, in YAML and JSON, is a typed error, not a stack overflow', () => {
    for (const depth of [1000, 20_000]) {
      const json = deeplyNested(depth);
      const flow = `${'['.repeat(depth)}${']'.repeat(depth)}`;
      const block = Array.from({ length: Math.min(depth, 3000) }, (_, i) => `${' '.repeat(i)}- `).join('\n');
      for (const text of [json, flow, block, `{"component": ${json}}`]) {
        refuses(() => parseDescriptor(text), [OcmError], `descriptor depth ${depth}`);
        refuses(() => parseDescriptor(text, { strict: false }), [OcmError], `lenient depth ${depth}`);
        refuses(() => parseConstructor(text, '/x', undefined), [OcmError], `constructor depth ${depth}`);
      }
    }
  });

  it('arbitrary strings in hostile positions of a real descriptor', () => {
    const valid = {
      meta: { schemaVersion: 'v2' },
      component: {
        name: 'example.com/a',
        version: '1.0.0',
        provider: 'acme',
        repositoryContexts: [],
        resources: [
          { name: 'res', version: '1.0.0', type: 'blob', relation: 'local', access: { type: 'none' } },
        ],
        sources: [],
        componentReferences: [],
      },
    };
    assert.ok(parseDescriptor(JSON.stringify(valid)));
    fc.assert(
      fc.property(
        fc.constantFrom(
          'name',
          'version',
          'provider',
          'resources',
          'labels',
          'componentReferences',
          'repositoryContexts',
        ),
        fc.oneof(nasty, hostileJson),
        fc.boolean(),
        (key, value, strict) => {
          const doc = { ...valid, component: { ...valid.component, [key]: value } };
          typedOnly(() => parseDescriptor(JSON.stringify(doc), { strict }), [OcmError], `component.${key}`);
        },
      ),
      params(1000),
    );
  });
});
