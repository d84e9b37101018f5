/** Invalid descriptors: each schema and extra-rule violation is reported at its path, all at once. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  checkDescriptor,
  type DescriptorIssue,
  InvalidDescriptorError,
  parseDescriptor,
  serialiseDescriptor,
  validateDescriptor,
} from '../../src/descriptor/index.js';
import { OcmError } from '../../src/errors.js';
import { descriptorError, descriptorWith } from './assertions.js';

type Json = Record<string, unknown>;

function valid(): Json {
  return descriptorWith({
    resources: [
      {
        name: 'resource',
        version: '6.7.1',
        type: 'something',
        relation: 'local',
        access: { type: 'localBlob', localReference: 'sha256:abc', mediaType: 'application/octet-stream' },
      },
    ],
  }) as unknown as Json;
}

/** A valid descriptor with `change` applied to a deep copy. */
function variant(change: (d: Json & { component: Json & { resources: Json[] } }) => void): Json {
  const d = structuredClone(valid()) as Json & { component: Json & { resources: Json[] } };
  change(d);
  return d;
}

function issuesOf(document: unknown): DescriptorIssue[] {
  const e = descriptorError(() => parseDescriptor(JSON.stringify(document)));
  assert.ok(e instanceof OcmError);
  assert.equal(e.code, 'INVALID_DESCRIPTOR');
  assert.ok(e.hint);
  assert.deepEqual(e.issues, checkDescriptor(document));
  for (const issue of e.issues) assert.ok(e.message.includes(issue.message));
  return [...e.issues];
}

function assertIssue(issues: DescriptorIssue[], path: string, message: RegExp): void {
  assert.ok(
    issues.some((i) => i.path === path && message.test(i.message)),
    `expected ${path}: ${message} in ${JSON.stringify(issues, null, 1)}`,
  );
}

describe('descriptor validation', () => {
  it('accepts the valid base descriptor', () => {
    assert.deepEqual(checkDescriptor(valid()), []);
    assert.deepEqual(parseDescriptor(JSON.stringify(valid())), valid());
  });

  const cases: Array<
    [string, (d: Json & { component: Json & { resources: Json[] } }) => void, string, RegExp]
  > = [
    ['bad component name', (d) => (d.component.name = 'GitHub.com/acme'), 'component.name', /component name/],
    ['bare domain name', (d) => (d.component.name = 'github.com'), 'component.name', /path segment/],
    ['bad version', (d) => (d.component.version = '01.0.0'), 'component.version', /relaxed semantic version/],
    ['numeric version', (d) => (d.component.version = 1), 'component.version', /must be a string/],
    ['missing provider', (d) => delete d.component.provider, 'component.provider', /is required/],
    ['empty provider', (d) => (d.component.provider = ''), 'component.provider', /must not be empty/],
    ['wrong schemaVersion', (d) => (d.meta = { schemaVersion: 'v3' }), 'meta.schemaVersion', /"v2"/],
    ['missing meta', (d) => delete d.meta, 'meta', /is required/],
    ['sources not a list', (d) => (d.component.sources = 'x'), 'component.sources', /must be a list or null/],
    [
      'bad creationTime',
      (d) => (d.component.creationTime = 'yesterday'),
      'component.creationTime',
      /RFC 3339/,
    ],
    [
      'bad resource name',
      (d) => (d.component.resources[0]!.name = 'Res'),
      'component.resources[0].name',
      /lower-case/,
    ],
    [
      'short resource name',
      (d) => (d.component.resources[0]!.name = 'r'),
      'component.resources[0].name',
      /at least 2/,
    ],
    [
      'bad relation',
      (d) => (d.component.resources[0]!.relation = 'far'),
      'component.resources[0].relation',
      /"local", "external"/,
    ],
    [
      'access without type',
      (d) => (d.component.resources[0]!.access = {}),
      'component.resources[0].access.type',
      /is required/,
    ],
    [
      'bad access type',
      (d) => (d.component.resources[0]!.access = { type: '/x' }),
      'component.resources[0].access.type',
      /type name/,
    ],
    [
      'bad extraIdentity key',
      (d) => (d.component.resources[0]!.extraIdentity = { OS: 'linux' }),
      'component.resources[0].extraIdentity.OS',
      /^key must be lower-case/,
    ],
    [
      'bad label version',
      (d) => (d.component.resources[0]!.labels = [{ name: 'l', value: 1, version: '1' }]),
      'component.resources[0].labels[0].version',
      /\^v\[0-9\]\+\$/,
    ],
    [
      'label without value',
      (d) => (d.component.resources[0]!.labels = [{ name: 'l' }]),
      'component.resources[0].labels[0].value',
      /is required/,
    ],
    [
      'unknown key on a signature',
      (d) =>
        (d.signatures = [
          {
            name: 's',
            digest: { hashAlgorithm: 'SHA-256', normalisationAlgorithm: 'x', value: 'ab' },
            signature: { algorithm: 'a', value: 'v', mediaType: 'm' },
            extra: 1,
          },
        ]),
      'signatures[0].extra',
      /is not allowed/,
    ],
    [
      'digest missing a value',
      (d) =>
        (d.component.resources[0]!.digest = {
          hashAlgorithm: 'SHA-256',
          normalisationAlgorithm: 'genericBlobDigest/v1',
        }),
      'component.resources[0].digest.value',
      /is required/,
    ],
    [
      'extraIdentity holding name',
      (d) => (d.component.resources[0]!.extraIdentity = { name: 'other' }),
      'component.resources[0].extraIdentity.name',
      /must not be set/,
    ],
    [
      'non-string extraIdentity value',
      (d) => (d.component.resources[0]!.extraIdentity = { os: 5 }),
      'component.resources[0].extraIdentity.os',
      /must be a string/,
    ],
    [
      'duplicate resource identity',
      (d) => d.component.resources.push(structuredClone(d.component.resources[0]!)),
      'component.resources[1]',
      /duplicate identity \{"name":"resource","version":"6.7.1"\}: component.resources\[0\] has it too/,
    ],
    [
      'duplicate explicit identity with different versions',
      (d) => {
        const r = d.component.resources[0]!;
        r.extraIdentity = { os: 'linux' };
        d.component.resources.push({ ...structuredClone(r), version: '7.0.0' });
        d.component.resources.push({ ...structuredClone(r), version: '7.0.0' });
      },
      'component.resources[2]',
      /duplicate identity/,
    ],
    [
      'duplicate source identity',
      (d) => {
        const s = { name: 'src', version: '1', type: 'git', access: { type: 'gitHub' } };
        d.component.sources = [s, structuredClone(s)];
      },
      'component.sources[1]',
      /duplicate identity/,
    ],
    [
      'duplicate reference identity',
      (d) => {
        const r = { name: 'ref', version: '1.0.0', componentName: 'github.com/acme/other' };
        d.component.componentReferences = [r, structuredClone(r)];
      },
      'component.componentReferences[1]',
      /duplicate identity/,
    ],
    [
      'duplicate label names',
      (d) =>
        (d.component.labels = [
          { name: 'a', value: 1 },
          { name: 'a', value: 2 },
        ]),
      'component.labels[1].name',
      /duplicate label name "a"/,
    ],
    [
      'duplicate signature names',
      (d) => {
        const s = {
          name: 's',
          digest: { hashAlgorithm: 'SHA-256', normalisationAlgorithm: 'x', value: 'ab' },
          signature: { algorithm: 'a', value: 'v', mediaType: 'm' },
        };
        d.signatures = [s, structuredClone(s)];
      },
      'signatures[1].name',
      /duplicate signature name/,
    ],
    [
      'a v3alpha1 descriptor',
      (d) => {
        delete d.meta;
        d.apiVersion = 'ocm.software/v3alpha1';
      },
      'apiVersion',
      /v3alpha1.*not supported/,
    ],
  ];

  for (const [title, change, path, message] of cases) {
    it(`reports ${title} at ${path}`, () => {
      assertIssue(issuesOf(variant(change)), path, message);
    });
  }

  it('accepts what the identity rule allows: same name, different versions (implicit version)', () => {
    const d = variant((d) =>
      d.component.resources.push({ ...structuredClone(d.component.resources[0]!), version: '7.0.0' }),
    );
    assert.deepEqual(checkDescriptor(d), []);
  });

  it('accepts same name with different extraIdentity, and the same identity in two element kinds', () => {
    const d = variant((d) => {
      const r = d.component.resources[0]!;
      d.component.resources.push({ ...structuredClone(r), extraIdentity: { os: 'linux' } });
      d.component.sources = [{ name: 'resource', version: '6.7.1', type: 'blob', access: { type: 'none' } }];
    });
    assert.deepEqual(checkDescriptor(d), []);
  });

  it('lists every problem of a descriptor with several, each at its path', () => {
    const d = variant((d) => {
      d.component.name = 'Bad Name';
      d.component.version = 'one';
      const r = d.component.resources[0]!;
      r.relation = 'nowhere';
      r.extraIdentity = { name: 'x' };
      d.component.resources.push({ ...structuredClone(r), name: 'Second', extraIdentity: undefined });
      d.component.resources.push(structuredClone(d.component.resources[0]!));
    });
    const issues = issuesOf(d);
    assertIssue(issues, 'component.name', /component name/);
    assertIssue(issues, 'component.version', /relaxed semantic version/);
    assertIssue(issues, 'component.resources[0].relation', /one of/);
    assertIssue(issues, 'component.resources[1].name', /lower-case/);
    assertIssue(issues, 'component.resources[2].relation', /one of/);
    assertIssue(issues, 'component.resources[0].extraIdentity.name', /must not be set/);
    assertIssue(issues, 'component.resources[2]', /duplicate identity/);
    // anyOf noise ("must be null", "must match a schema in anyOf") is condensed away.
    assert.ok(
      issues.every((i) => !/anyOf|must be null$/.test(i.message)),
      JSON.stringify(issues),
    );
  });

  it('reports a value failing every type of an anyOf once', () => {
    const issues = issuesOf(variant((d) => (d.component.labels = 5)));
    assert.deepEqual(
      issues.filter((i) => i.path === 'component.labels'),
      [{ path: 'component.labels', message: 'must be a list or null' }],
    );
  });

  it('quotes keys that are not plain words in paths', () => {
    const issues = issuesOf(variant((d) => (d.component.resources[0]!.extraIdentity = { 'os.version': 1 })));
    assertIssue(issues, 'component.resources[0].extraIdentity["os.version"]', /must be a string/);
  });

  it('says the document itself must be a mapping', () => {
    for (const text of ['', 'null', '[]', '"text"', '42']) {
      assert.equal(descriptorError(() => parseDescriptor(text)).issues[0]?.path, '');
    }
    assert.deepEqual(checkDescriptor([]), [
      { path: '', message: 'the descriptor must be a mapping with meta and component' },
    ]);
  });

  it('validateDescriptor returns the value or throws, and serialise refuses invalid descriptors', () => {
    const good = valid();
    assert.equal(validateDescriptor(good), good);
    const bad = variant((d) => (d.component.version = 'x'));
    assert.throws(() => validateDescriptor(bad), InvalidDescriptorError);
    assert.throws(() => serialiseDescriptor(bad as never), InvalidDescriptorError);
    assert.match(serialiseDescriptor(bad as never, { validate: false }), /version: x/);
  });

  it('keeps keys it does not know, in open objects and elsewhere', () => {
    const d = variant((d) => {
      d.component.resources[0]!.access = {
        type: 'custom.acme/v1',
        nested: { deep: [1, { b: null }] },
        flag: true,
      };
      d.component.repositoryContexts = [{ type: 'OCIRegistry', baseUrl: 'ghcr.io', anything: { x: 'y' } }];
      d.component.labels = [{ name: 'l', value: { a: [1, 2], 'b.c': 'yes' }, signing: true }];
      d.component.future = 'kept';
      d.topLevel = { kept: true };
    });
    const read = parseDescriptor(JSON.stringify(d));
    assert.deepEqual(read, d);
    assert.deepEqual(parseDescriptor(serialiseDescriptor(read)), d);
    assert.deepEqual(parseDescriptor(serialiseDescriptor(read, { format: 'json' })), d);
  });
});

describe('lenient reading (strict: false)', () => {
  it('accepts a stored descriptor that breaks schema rules', () => {
    const d = variant((d) => {
      d.component.name = 'NotAName';
      d.component.resources[0]!.relation = 'elsewhere';
      delete d.component.provider;
    });
    assert.throws(() => parseDescriptor(JSON.stringify(d)), InvalidDescriptorError);
    assert.deepEqual(parseDescriptor(JSON.stringify(d), { strict: false }), d);
    assert.ok(checkDescriptor(d).length >= 3, 'checkDescriptor reports what a lenient read let through');
  });

  const minimum: Array<[string, (d: Json & { component: Json & { resources: Json[] } }) => void, string]> = [
    ['meta missing', (d) => delete d.meta, 'meta'],
    ['schemaVersion v3', (d) => (d.meta = { schemaVersion: 'v3' }), 'meta.schemaVersion'],
    ['component missing', (d) => delete (d as Json).component, 'component'],
    ['name missing', (d) => delete d.component.name, 'component.name'],
    ['empty version', (d) => (d.component.version = ''), 'component.version'],
    ['numeric version', (d) => (d.component.version = 1), 'component.version'],
    ['resources not a list', (d) => ((d.component as Json).resources = {}), 'component.resources'],
    ['a resource not a mapping', (d) => ((d.component as Json).resources = ['x']), 'component.resources[0]'],
  ];
  for (const [title, change, path] of minimum) {
    it(`still requires the navigable minimum: ${title}`, () => {
      const err = descriptorError(() => parseDescriptor(JSON.stringify(variant(change)), { strict: false }));
      assert.ok(
        err.issues.some((i) => i.path === path),
        JSON.stringify(err.issues),
      );
    });
  }
});
