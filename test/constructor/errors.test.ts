/**
 * Every way a constructor can fail gives a typed error, and the repository is left as it was: no
 * version of the component is listed afterwards.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import {
  addComponentsFromConstructor,
  InputError,
  InputNotFoundError,
  InvalidConstructorError,
  PathEscapeError,
  readConstructor,
  UndefinedVariableError,
} from '../../src/constructor/index.js';
import { CtfStore } from '../../src/ctf/store.js';
import { OcmError } from '../../src/errors.js';
import { VersionExistsError } from '../../src/repository/index.js';
import {
  build,
  COMPONENT,
  clock,
  constructorText,
  versions,
  withRepo,
  workspace,
  writeTree,
} from './helpers.js';

type ErrorClass = new (...args: never[]) => OcmError;

/** Runs the build, expects `type` with `code`, and checks nothing was written. */
async function refused(
  ws: { src: string; ctf: string },
  text: string,
  type: ErrorClass,
  code: string,
  check: (e: never) => void = () => {},
): Promise<void> {
  await assert.rejects(build(ws, text), (e: unknown) => {
    assert.ok(e instanceof type, `expected ${type.name}, got ${String(e)}`);
    assert.equal((e as OcmError).code, code);
    check(e as never);
    return true;
  });
  assert.deepEqual(await versions(ws.ctf), []);
}

const file = (path: string) => ({ name: 'config', type: 'blob', input: { type: 'file', path } });
const dir = (path: string, followSymlinks?: boolean) => ({
  name: 'manifests',
  type: 'dir',
  input: { type: 'dir', path, ...(followSymlinks === undefined ? {} : { followSymlinks }) },
});

describe('constructor errors', () => {
  it('schema violations name every failing path', () =>
    workspace((ws) =>
      refused(
        ws,
        JSON.stringify({
          components: [
            {
              name: 'Not A Name',
              version: '01.0',
              provider: { name: 'acme.org' },
              resources: [
                { name: 'ok', type: 'blob', input: { type: 'utf8', text: 'x' } },
                { name: 'bad', type: 'blob', input: { type: 'file', path: 42, compres: true } },
                {
                  name: 'x',
                  type: 'blob',
                  version: '1.0.0',
                  access: { type: 'ociArtifact' },
                  relation: 'sideways',
                },
              ],
              unknown: true,
            },
          ],
        }),
        InvalidConstructorError,
        'INVALID_CONSTRUCTOR',
        (e: InvalidConstructorError) => {
          const paths = e.issues.map((i) => i.path).sort();
          assert.deepEqual(paths, [
            'components[0].name',
            'components[0].resources[1].input.compres',
            'components[0].resources[1].input.path',
            'components[0].resources[2].name',
            'components[0].resources[2].relation',
            'components[0].unknown',
            'components[0].version',
          ]);
          assert.match(e.message, /components\[0\]\.resources\[1\]\.input\.path: must be a non-empty string/);
          assert.match(
            e.message,
            /components\[0\]\.resources\[2\]\.relation: must be one of "local", "external"/,
          );
        },
      ),
    ));

  it('a single inline component gives paths without components[i]', () =>
    workspace(async (ws) => {
      await assert.rejects(
        readConstructor({
          text: 'name: github.com/acme/app\nversion: 1.0.0\nprovider: {}\n',
          baseDir: ws.src,
        }),
        (e: InvalidConstructorError) => {
          assert.deepEqual(
            e.issues.map((i) => i.path),
            ['provider'],
          );
          return true;
        },
      );
    }));

  it('a resource with neither input nor access, or with both', () =>
    workspace((ws) =>
      refused(
        ws,
        constructorText([
          { name: 'nothing', type: 'blob', version: '1.0.0' },
          {
            name: 'both',
            type: 'blob',
            version: '1.0.0',
            input: { type: 'utf8', text: 'x' },
            access: { type: 'ociArtifact', imageReference: 'a/b:1' },
          },
        ]),
        InvalidConstructorError,
        'INVALID_CONSTRUCTOR',
        (e: InvalidConstructorError) => {
          assert.deepEqual(e.issues, [
            {
              path: 'components[0].resources[0]',
              message: 'needs either input (content packed in) or access (a reference)',
            },
            { path: 'components[0].resources[1]', message: 'has both input and access: give exactly one' },
          ]);
        },
      ),
    ));

  it('unsupported input types, UTF8/v1 without content, localBlob access', () =>
    workspace((ws) =>
      refused(
        ws,
        constructorText([
          { name: 'chart', type: 'helmChart', input: { type: 'helm', path: 'chart' } },
          { name: 'empty', type: 'blob', input: { type: 'utf8' } },
          {
            name: 'local',
            type: 'blob',
            version: '1.0.0',
            access: { type: 'localBlob', localReference: 'sha256:00' },
          },
        ]),
        InvalidConstructorError,
        'INVALID_CONSTRUCTOR',
        (e: InvalidConstructorError) => {
          assert.deepEqual(
            e.issues.map((i) => i.path),
            [
              'components[0].resources[0].input.type',
              'components[0].resources[1].input',
              'components[0].resources[2].access.type',
            ],
          );
        },
      ),
    ));

  // biome-ignore lint/suspicious/noTemplateCurlyInString: constructor text, not a template
  it('an undefined ${VAR} or $VAR is named, with where it is used', () =>
    workspace(async (ws) => {
      const text =
        // biome-ignore lint/suspicious/noTemplateCurlyInString: constructor text, not a template
        'name: github.com/acme/app\nversion: ${VERSION}\nprovider:\n  name: $PROVIDER\nlabels:\n  - name: x\n    value: "${VERSION}-$$HOME"\n';
      await assert.rejects(
        readConstructor({ text, baseDir: ws.src }, { env: { PROVIDER: 'acme' } }),
        (e: UndefinedVariableError) => {
          assert.ok(e instanceof UndefinedVariableError);
          assert.equal(e.code, 'UNDEFINED_VARIABLE');
          assert.deepEqual(e.variables, ['VERSION']);
          assert.deepEqual(
            e.issues.map((i) => i.path),
            ['version', 'labels[0].value'],
          );
          assert.match(e.message, /\$\{VERSION\}/);
          return true;
        },
      );
      const spec = await readConstructor(
        { text, baseDir: ws.src },
        { env: { PROVIDER: 'acme', VERSION: '1.2.3' } },
      );
      assert.equal(spec.components[0]!.version, '1.2.3');
      assert.equal(spec.components[0]!.provider.name, 'acme');
      assert.equal(spec.components[0]!.labels![0]!.value, '1.2.3-$HOME');
    }));

  it('a variable cannot change the structure of the document', () =>
    workspace(async (ws) => {
      const spec = await readConstructor(
        // biome-ignore lint/suspicious/noTemplateCurlyInString: constructor text, not a template
        { text: 'name: github.com/acme/app\nversion: 1.0.0\nprovider:\n  name: "${P}"\n', baseDir: ws.src },
        { env: { P: 'acme\nlabels: [oops]' } },
      );
      assert.equal(spec.components[0]!.provider.name, 'acme\nlabels: [oops]');
      assert.equal(spec.components[0]!.provider.labels, undefined);
    }));

  it('a path escaping with ../', () =>
    workspace(async (ws) => {
      await writeFile(join(ws.root, 'secret.txt'), 'secret');
      await refused(
        ws,
        constructorText([file('../secret.txt')]),
        PathEscapeError,
        'PATH_ESCAPE',
        (e: PathEscapeError) => assert.equal(e.path, '../secret.txt'),
      );
      await refused(ws, constructorText([dir('sub/../../')]), PathEscapeError, 'PATH_ESCAPE');
    }));

  it('an absolute path outside the directory (inside is fine)', () =>
    workspace(async (ws) => {
      await writeFile(join(ws.root, 'secret.txt'), 'secret');
      await refused(ws, constructorText([file(join(ws.root, 'secret.txt'))]), PathEscapeError, 'PATH_ESCAPE');
      await refused(ws, constructorText([file('/etc/hostname')]), PathEscapeError, 'PATH_ESCAPE');
      await writeFile(join(ws.src, 'inside.txt'), 'inside');
      const [r] = await build(ws, constructorText([file(join(ws.src, 'inside.txt'))]));
      assert.equal(r!.bytes.toString(), 'inside');
    }));

  it('a file input that is a symbolic link out of the directory', () =>
    workspace(async (ws) => {
      await writeFile(join(ws.root, 'secret.txt'), 'secret');
      await writeTree(ws.src, {
        'link.txt': { link: '../secret.txt' },
        'abs.txt': { link: join(ws.root, 'secret.txt') },
      });
      await refused(ws, constructorText([file('link.txt')]), PathEscapeError, 'PATH_ESCAPE');
      await refused(ws, constructorText([file('abs.txt')]), PathEscapeError, 'PATH_ESCAPE');
    }));

  it('a dir input holding a symbolic link out of the directory, followed or not', () =>
    workspace(async (ws) => {
      await writeFile(join(ws.root, 'secret.txt'), 'secret');
      await mkdir(join(ws.root, 'outside'));
      await writeTree(ws.src, { 'd/ok.txt': 'ok', 'd/leak': { link: '../../secret.txt' } });
      await writeTree(ws.src, { 'e/ok.txt': 'ok', 'e/leak': { link: join(ws.root, 'outside') } });
      for (const follow of [false, true]) {
        await refused(
          ws,
          constructorText([dir('d', follow)]),
          PathEscapeError,
          'PATH_ESCAPE',
          (e: PathEscapeError) => assert.equal(e.path, join('d', 'leak')),
        );
        await refused(ws, constructorText([dir('e', follow)]), PathEscapeError, 'PATH_ESCAPE');
      }
    }));

  it('a dir input that is itself a link out of the directory', () =>
    workspace(async (ws) => {
      await mkdir(join(ws.root, 'outside'));
      await writeTree(ws.src, { d: { link: '../outside' } });
      await refused(ws, constructorText([dir('d')]), PathEscapeError, 'PATH_ESCAPE');
    }));

  it('a missing file, a missing directory, a file where a directory is expected', () =>
    workspace(async (ws) => {
      await writeFile(join(ws.src, 'plain.txt'), 'x');
      await refused(
        ws,
        constructorText([file('missing.txt')]),
        InputNotFoundError,
        'INPUT_NOT_FOUND',
        (e: InputNotFoundError) => assert.equal(e.path, 'missing.txt'),
      );
      await refused(ws, constructorText([dir('missing')]), InputNotFoundError, 'INPUT_NOT_FOUND');
      await refused(ws, constructorText([dir('plain.txt')]), InputNotFoundError, 'INPUT_NOT_FOUND');
      await refused(ws, constructorText([file('.')]), InputNotFoundError, 'INPUT_NOT_FOUND');
      await writeTree(ws.src, { dangling: { link: 'nowhere' } });
      await refused(ws, constructorText([file('dangling')]), InputNotFoundError, 'INPUT_NOT_FOUND');
    }));

  it('a missing constructor file', () =>
    workspace(async (ws) => {
      await assert.rejects(readConstructor(join(ws.src, 'component-constructor.yaml')), {
        name: 'ConstructorNotFoundError',
        code: 'CONSTRUCTOR_NOT_FOUND',
        message: /^component constructor ".*component-constructor\.yaml" does not exist$/,
      });
    }));

  it('one invalid component of several: none is written', () =>
    workspace(async (ws) => {
      const OTHER = 'github.com/acme.org/other';
      /** No component of the constructor has a version, and no tag at all is in the CTF. */
      const nothingWritten = async () => {
        await withRepo(ws.ctf, async (repo) => {
          for (const name of [COMPONENT, OTHER]) assert.deepEqual(await repo.listComponentVersions(name), []);
        });
        const store = await CtfStore.open(ws.ctf, { mode: 'readonly' });
        try {
          const tagged = (await store.ctf.view()).index.entries.filter((e) => e.tag !== undefined);
          assert.deepEqual(tagged, [], 'no tag in the CTF');
        } finally {
          await store.close();
        }
      };
      const invalid = {
        name: OTHER,
        version: '1.0.0',
        provider: { name: 'acme' },
        resources: [file('missing.txt')],
      };
      const valid = { name: COMPONENT, version: '1.0.0', provider: { name: 'acme' } };
      // The invalid one first, and last: a valid component before it must not be written either.
      for (const components of [
        [invalid, valid],
        [valid, invalid],
      ]) {
        await refused(ws, JSON.stringify({ components }), InputNotFoundError, 'INPUT_NOT_FOUND');
        await nothingWritten();
      }
      const dup = JSON.stringify({
        components: [
          { name: COMPONENT, version: '1.0.0', provider: { name: 'acme' } },
          { name: COMPONENT, version: '1.0.0', provider: { name: 'acme' } },
        ],
      });
      await refused(ws, dup, InvalidConstructorError, 'INVALID_CONSTRUCTOR');
      await nothingWritten();
    }));

  it('a descriptor rule the schema cannot express (duplicate identities) is reported with the constructor path', () =>
    workspace((ws) =>
      refused(
        ws,
        constructorText([
          { name: 'same', type: 'blob', input: { type: 'utf8', text: 'a' } },
          { name: 'same', type: 'blob', input: { type: 'utf8', text: 'b' } },
        ]),
        InvalidConstructorError,
        'INVALID_CONSTRUCTOR',
        (e: InvalidConstructorError) => {
          assert.equal(e.issues[0]?.path, 'components[0].resources[1]');
          assert.match(e.issues[0]!.message, /duplicate identity/);
        },
      ),
    ));

  it('conflict abort fails before writing; skip keeps the stored version; replace overwrites', () =>
    workspace(async (ws) => {
      const first = constructorText(
        [{ name: 'c', type: 'blob', input: { type: 'utf8', text: 'one' } }].map((r) => ({
          ...r,
          name: 'cfg',
        })),
      );
      const [r] = await build(ws, first);
      assert.equal(r!.bytes.toString(), 'one');
      const twoComponents = JSON.stringify({
        components: [
          { name: 'github.com/acme.org/other', version: '1.0.0', provider: { name: 'acme' } },
          { name: COMPONENT, version: '1.0.0', provider: { name: 'acme' } },
        ],
      });
      const spec = await readConstructor({ text: twoComponents, baseDir: ws.src });
      await withRepo(ws.ctf, async (repo) => {
        await assert.rejects(addComponentsFromConstructor(repo, spec, { now: clock }), VersionExistsError);
        assert.deepEqual(await repo.listComponentVersions('github.com/acme.org/other'), []);
        const skipped = await addComponentsFromConstructor(repo, spec, { now: clock, conflict: 'skip' });
        assert.deepEqual(
          skipped.map((s) => s.status),
          ['added', 'skipped'],
        );
        const replaced = await addComponentsFromConstructor(repo, spec, { now: clock, conflict: 'replace' });
        assert.deepEqual(
          replaced.map((s) => s.status),
          ['unchanged', 'replaced'],
        );
        const { descriptor } = await repo.getComponentVersion(COMPONENT, '1.0.0');
        assert.deepEqual(descriptor.component.resources, []);
      });
    }));
});

describe('cancellation', () => {
  it('an aborted signal stops the build before anything is written', () =>
    workspace(async (ws) => {
      await writeTree(ws.src, { 'a.txt': 'a' });
      const spec = await readConstructor({ text: constructorText([file('a.txt')]), baseDir: ws.src });
      const controller = new AbortController();
      controller.abort();
      await withRepo(ws.ctf, async (repo) => {
        await assert.rejects(
          addComponentsFromConstructor(repo, spec, { now: clock, signal: controller.signal }),
          { name: 'AbortError' },
        );
      });
      assert.deepEqual(await versions(ws.ctf), []);
    }));
});

describe('inputs that change while building', () => {
  it('a file rewritten between the digest pass and the push is caught by the store; nothing is tagged', () =>
    workspace(async (ws) => {
      await writeTree(ws.src, { 'a.txt': 'before' });
      const spec = await readConstructor({ text: constructorText([file('a.txt')]), baseDir: ws.src });
      // The clock is read after the inputs were digested: the moment to change one behind our back.
      const now = () => {
        writeFileSync(join(ws.src, 'a.txt'), 'after!');
        return clock();
      };
      await withRepo(ws.ctf, async (repo) => {
        await assert.rejects(addComponentsFromConstructor(repo, spec, { now }), (e: unknown) => {
          assert.ok(e instanceof OcmError, String(e));
          assert.equal(e.code, 'DIGEST_MISMATCH');
          return true;
        });
      });
      assert.deepEqual(await versions(ws.ctf), []);
    }));
});

describe('odd trees', () => {
  it('a followed link to an enclosing directory is a cycle (InputError); not followed it is a link', () =>
    workspace(async (ws) => {
      await writeTree(ws.src, { 'd/x.txt': 'x', 'd/loop': { link: '..' } });
      await refused(ws, constructorText([dir('d', true)]), InputError, 'INPUT_FAILED');
      const [r] = await build(ws, constructorText([dir('d', false)]));
      assert.equal(r!.resource.access.mediaType, 'application/x-tar');
    }));

  it('an invalid include pattern is a constructor issue', () =>
    workspace(async (ws) => {
      await assert.rejects(
        readConstructor({
          text: constructorText([
            { name: 'd', type: 'dir', input: { type: 'dir', path: '.', includeFiles: ['[x'] } },
          ]),
          baseDir: ws.src,
        }),
        (e: InvalidConstructorError) => {
          assert.deepEqual(
            e.issues.map((i) => i.path),
            ['components[0].resources[0].name', 'components[0].resources[0].input.includeFiles'],
          );
          return true;
        },
      );
    }));
});
