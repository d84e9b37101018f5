/** Reading constructors: the shipped schema, document limits, forms, variables, descriptor fields. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Ajv2020 } from 'ajv/dist/2020.js';
import {
  addComponentsFromConstructor,
  InvalidConstructorError,
  readConstructor,
} from '../../src/constructor/index.js';
import { derivedSchema } from '../../src/constructor/schema.js';
import { parseProvider } from '../../src/descriptor/index.js';
import { fixturesDir, projectRoot } from '../support/paths.js';
import { COMPONENT, clock, withRepo, workspace } from './helpers.js';

const upstreamPath = join(fixturesDir, 'schemas', 'component-constructor-v1.schema-2020-12.json');
const upstream = JSON.parse(readFileSync(upstreamPath, 'utf8')) as {
  $defs: { component: { examples: unknown[] } };
};

describe('the shipped schema', () => {
  it('is the fixture copy, byte for byte', () => {
    const shipped = readFileSync(
      join(projectRoot, 'src/constructor/schema/component-constructor-v1.schema-2020-12.json'),
    );
    assert.ok(shipped.equals(readFileSync(upstreamPath)));
  });

  it('the derived schema agrees with the upstream one on valid and invalid documents', () => {
    const ajv = new Ajv2020({ strict: false, logger: false, validateFormats: false });
    const original = ajv.compile(upstream);
    const derived = new Ajv2020({ strict: false, logger: false, validateFormats: false }).compile(
      derivedSchema(),
    );
    const [example] = upstream.$defs.component.examples as Record<string, unknown>[];
    const resource = (r: Record<string, unknown>) => ({ ...example, resources: [r] });
    const documents: [string, unknown][] = [
      ['example', example],
      ['list', { components: [example, example] }],
      ['input', resource({ name: 'data', type: 'blob', input: { type: 'file', path: 'x' } })],
      [
        'input, external',
        resource({ name: 'data', type: 'blob', relation: 'external', input: { type: 'file' } }),
      ],
      ['access, no version', resource({ name: 'data', type: 'blob', access: { type: 'x' } })],
      ['access', resource({ name: 'data', type: 'blob', version: '1.0.0', access: { type: 'x' } })],
      ['neither', resource({ name: 'data', type: 'blob', version: '1.0.0' })],
      ['label value empty', { ...example, labels: [{ name: 'a', value: '' }] }],
      ['label value object', { ...example, labels: [{ name: 'a', value: { b: 1 } }] }],
      ['sources null', { ...example, sources: null }],
      ['sources number', { ...example, sources: 5 }],
      ['not a mapping', [1, 2]],
      ['list of garbage', { components: [1] }],
      ['components and more', { components: [], name: 'x' }],
    ];
    for (const [what, doc] of documents) assert.equal(derived(doc), original(doc), what);
  });
});

describe('reading', () => {
  it('a JSON file and a YAML file; input paths relative to the file, not the working directory', () =>
    workspace(async (ws) => {
      await mkdir(join(ws.src, 'sub'));
      await writeFile(join(ws.src, 'sub', 'data.txt'), 'data');
      const doc = {
        name: COMPONENT,
        version: '1.0.0',
        provider: { name: 'acme' },
        resources: [{ name: 'data', type: 'blob', input: { type: 'file', path: 'data.txt' } }],
      };
      await writeFile(join(ws.src, 'sub', 'c.json'), JSON.stringify(doc));
      const spec = await readConstructor(join(ws.src, 'sub', 'c.json'));
      assert.equal(spec.form, 'single');
      assert.equal(spec.baseDir, join(ws.src, 'sub'));
      const [result] = await withRepo(ws.ctf, (repo) =>
        addComponentsFromConstructor(repo, spec, { now: clock }),
      );
      assert.equal(result?.status, 'added');
    }));

  it('a constructor reached through a symbolic link resolves inputs beside the real file', () =>
    workspace(async (ws) => {
      await writeFile(
        join(ws.src, 'c.yaml'),
        `name: ${COMPONENT}\nversion: 1.0.0\nprovider:\n  name: acme\n`,
      );
      await symlink(join(ws.src, 'c.yaml'), join(ws.root, 'link.yaml'));
      const spec = await readConstructor(join(ws.root, 'link.yaml'));
      assert.equal(spec.baseDir, ws.src);
    }));

  it('YAML bombs, oversized files, duplicate keys and several documents are refused', () =>
    workspace(async (ws) => {
      const bomb = ['a: &a ["x","x","x","x","x","x","x","x","x"]'];
      for (let i = 1; i < 9; i++)
        bomb.push(
          `${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(9)
            .fill(`*${String.fromCharCode(96 + i)}`)
            .join(',')}]`,
        );
      const texts = [bomb.join('\n'), 'name: a\nname: b\n', 'a: 1\n---\nb: 2\n', '\uFFFE\u0000'];
      for (const text of texts) {
        await assert.rejects(
          readConstructor({ text, baseDir: ws.src }),
          InvalidConstructorError,
          text.slice(0, 20),
        );
      }
      await writeFile(join(ws.src, 'big.yaml'), `# ${'x'.repeat(2000)}\nname: a\n`);
      await assert.rejects(
        readConstructor(join(ws.src, 'big.yaml'), { maxBytes: 1000 }),
        (e: InvalidConstructorError) => {
          assert.match(e.message, /larger than 1000 bytes/);
          return true;
        },
      );
    }));

  // biome-ignore lint/suspicious/noTemplateCurlyInString: constructor text, not a template
  it('variables: $$ is a dollar, a lone $ stays, a malformed ${...} is an error', () =>
    workspace(async (ws) => {
      const text = (value: string) =>
        JSON.stringify({ name: COMPONENT, version: '1.0.0', provider: { name: value } });
      const read = (value: string, env = {}) =>
        readConstructor({ text: text(value), baseDir: ws.src }, { env }).then(
          (s) => s.components[0]!.provider.name,
        );
      assert.equal(await read('$$A costs $5 $', { A: 'x' }), '$A costs $5 $');
      // biome-ignore lint/suspicious/noTemplateCurlyInString: constructor text, not a template
      assert.equal(await read('${A}${B}-$A_B', { A: 'a', B: 'b', A_B: 'ab' }), 'ab-ab');
      // biome-ignore lint/suspicious/noTemplateCurlyInString: constructor text, not a template
      assert.equal(await read('${EMPTY}x', { EMPTY: '' }), 'x');
      // biome-ignore lint/suspicious/noTemplateCurlyInString: constructor text, not a template
      await assert.rejects(read('${A-B}', { A: 'a' }), InvalidConstructorError);
      await assert.rejects(read('${A', { A: 'a' }), InvalidConstructorError);
      // Only the injected map counts, never the process environment.
      process.env.OCM_TS_CONSTRUCTOR_TEST = 'leak';
      try {
        await assert.rejects(read('$OCM_TS_CONSTRUCTOR_TEST'), { code: 'UNDEFINED_VARIABLE' });
      } finally {
        delete process.env.OCM_TS_CONSTRUCTOR_TEST;
      }
    }));
});

describe('messages', () => {
  it('a YAML number where a string is due says to quote it', () =>
    workspace(async (ws) => {
      await assert.rejects(
        readConstructor({
          text: `name: ${COMPONENT}\nversion: 1.0\nprovider:\n  name: acme\n`,
          baseDir: ws.src,
        }),
        (e: InvalidConstructorError) => {
          assert.equal(e.issues.length, 1);
          assert.equal(e.issues[0]!.path, 'version');
          assert.match(e.issues[0]!.message, /^must be a string \(in YAML, quote it/);
          return true;
        },
      );
    }));
});

describe('descriptor fields', () => {
  it('provider labels, component labels, creationTime, sources, references, srcRefs, versions', () =>
    workspace(async (ws) => {
      await writeFile(join(ws.src, 'src.tgz'), 'source bytes');
      const yaml = `
components:
  - name: ${COMPONENT}
    version: v2.1
    creationTime: "2025-03-18T09:44:42Z"
    provider:
      name: acme.org
      labels:
        - name: city
          value: Walldorf
    labels:
      - name: team
        value: platform
        signing: true
    sources:
      - name: code
        type: git
        version: 2.1.0
        access: { type: gitHub, repoUrl: github.com/acme/app, commit: abc }
      - name: tarball
        type: blob
        input: { type: file, path: src.tgz, mediaType: application/gzip }
    resources:
      - name: config
        type: blob
        srcRefs:
          - identitySelector: { name: code }
        input: { type: utf8, text: hi }
    componentReferences:
      - name: base
        componentName: github.com/acme.org/base
        version: 1.0.0
        extraIdentity: { arch: amd64 }
`;
      const spec = await readConstructor({ text: yaml, baseDir: ws.src });
      await withRepo(ws.ctf, async (repo) => {
        await addComponentsFromConstructor(repo, spec, { now: clock });
        const { descriptor } = await repo.getComponentVersion(COMPONENT, 'v2.1');
        const c = descriptor.component;
        assert.deepEqual(parseProvider(c.provider), {
          name: 'acme.org',
          labels: [{ name: 'city', value: 'Walldorf' }],
        });
        assert.equal(c.provider, '{"name":"acme.org","labels":[{"name":"city","value":"Walldorf"}]}');
        assert.deepEqual(c.labels, [{ name: 'team', value: 'platform', signing: true }]);
        assert.equal(c.creationTime, '2025-03-18T09:44:42Z');
        assert.deepEqual(c.sources![0], {
          name: 'code',
          version: '2.1.0',
          type: 'git',
          access: { type: 'gitHub', repoUrl: 'github.com/acme/app', commit: 'abc' },
        });
        assert.equal(c.sources![1]!.version, 'v2.1');
        assert.equal(c.sources![1]!.access.type, 'localBlob');
        assert.equal(c.sources![1]!.access.mediaType, 'application/gzip');
        assert.equal('digest' in c.sources![1]!, false);
        assert.deepEqual(c.resources![0]!.srcRefs, [{ identitySelector: { name: 'code' } }]);
        assert.deepEqual(c.componentReferences, [
          {
            name: 'base',
            componentName: 'github.com/acme.org/base',
            version: '1.0.0',
            extraIdentity: { arch: 'amd64' },
          },
        ]);
        const source = await repo.getLocalSource(COMPONENT, 'v2.1', { name: 'tarball' });
        assert.equal(source.descriptor.mediaType, 'application/gzip');
      });
    }));
});
