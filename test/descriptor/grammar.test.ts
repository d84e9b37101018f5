/** Component-name and version grammars, the version <-> OCI tag mapping, and version ordering. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  compareVersions,
  InvalidComponentNameError,
  InvalidVersionError,
  isPrerelease,
  isValidComponentName,
  isValidVersion,
  isVersionLikeTag,
  sortVersionsDescending,
  tagToVersion,
  validateComponentName,
  validateVersion,
  versionFromTag,
  versionToTag,
} from '../../src/descriptor/index.js';
import { OcmError } from '../../src/errors.js';

describe('component names', () => {
  const valid = [
    'github.com/acme.org/helloworld',
    'github.com/mandelsoft/test1',
    'ocm.software/ocmcli',
    'acme.org/a/b/c',
    'my-org.example.com/x_y/z-1',
    'a.bc/d',
  ];
  const invalid = [
    'github.com',
    'GitHub.com/acme',
    'github.com/Acme',
    'github.com/',
    'github.com//x',
    'github/acme',
    'github.c/acme',
    '1github.com/acme',
    'github.com/1acme',
    'github.com/acme/',
    'github.com/ac me',
    '',
    `acme.org/${'a'.repeat(247)}`,
  ];
  for (const name of valid) {
    it(`accepts ${name}`, () => {
      assert.equal(isValidComponentName(name), true);
      assert.equal(validateComponentName(name), name);
    });
  }
  for (const name of invalid) {
    it(`refuses ${JSON.stringify(name.length > 40 ? `${name.slice(0, 20)}... (${name.length})` : name)}`, () => {
      assert.equal(isValidComponentName(name), false);
      assert.throws(
        () => validateComponentName(name),
        (e: unknown) =>
          e instanceof InvalidComponentNameError &&
          e instanceof OcmError &&
          e.code === 'INVALID_COMPONENT_NAME' &&
          typeof e.hint === 'string' &&
          e.value === name,
      );
    });
  }
  it('allows exactly 255 characters', () => {
    const name = `acme.org/${'a'.repeat(246)}`;
    assert.equal(name.length, 255);
    assert.equal(isValidComponentName(name), true);
    assert.throws(() => validateComponentName(`${name}b`), /longer than 255 characters/);
  });
  it('refuses non-strings', () => {
    assert.equal(isValidComponentName(42), false);
    assert.equal(isValidComponentName(undefined), false);
  });
});

describe('versions', () => {
  const valid = [
    '1',
    'v1',
    'v1.2',
    '1.2',
    '1.2.3',
    'v1.2.3',
    '0.0.0',
    '1.2.3-rc.1+ci.5',
    '1.0.0-alpha',
    '1.0.0-0a',
    '1.0.0+build',
    '1.0.0-x-y.z--1',
    '10.20.30',
  ];
  const invalid = [
    '',
    'V1.0.0',
    '01',
    '1.02',
    '1.2.03',
    '1.0.0-01',
    '1.2.3.4',
    '1.0.0+',
    '1.0.0-',
    '1.0.0+a+b',
    'latest',
    'v',
    '1.0.0 ',
    ' 1.0.0',
    '1.0.0.build-5',
    '-1',
    '1..0',
    'vv1',
  ];
  for (const version of valid) {
    it(`accepts ${version}`, () => {
      assert.equal(isValidVersion(version), true);
      assert.equal(validateVersion(version), version);
    });
  }
  for (const version of invalid) {
    it(`refuses ${JSON.stringify(version)}`, () => {
      assert.equal(isValidVersion(version), false);
      assert.throws(
        () => validateVersion(version),
        (e: unknown) =>
          e instanceof InvalidVersionError && e.code === 'INVALID_VERSION' && typeof e.hint === 'string',
      );
    });
  }
});

describe('version <-> OCI tag', () => {
  const table: Array<[string, string]> = [
    ['1.0.0', '1.0.0'],
    ['v1.2', 'v1.2'],
    ['1.2.3+ci.42', '1.2.3.build-ci.42'],
    ['1.2.3-rc.1+ci.5', '1.2.3-rc.1.build-ci.5'],
    ['1.0.0+5', '1.0.0.build-5'],
  ];
  for (const [version, tag] of table) {
    it(`maps ${version} <-> ${tag}`, () => {
      assert.equal(versionToTag(version), tag);
      assert.equal(tagToVersion(tag), version);
      assert.equal(versionFromTag(tag), version);
      assert.equal(isVersionLikeTag(tag), true);
    });
  }

  it('reads the last .build- as +', () => {
    assert.equal(tagToVersion('1.0.0-x.build-a.build-b'), '1.0.0-x.build-a+b');
    assert.equal(versionFromTag('1.0.0-x.build-a.build-b'), '1.0.0-x.build-a+b');
  });

  it('tells version-like tags from aliases', () => {
    for (const tag of ['1.0.0', 'v2', '1.0.0.build-5', '1.0.0-rc.1.build-x'])
      assert.equal(isVersionLikeTag(tag), true, tag);
    for (const tag of [
      'latest',
      'stable',
      'prod',
      'dev-1',
      '1.0.0.build-',
      'v1.0.0.0',
      'sha256-abc',
      '_ocm',
    ]) {
      assert.equal(isVersionLikeTag(tag), false, tag);
      assert.equal(versionFromTag(tag), undefined, tag);
    }
  });

  it('refuses versions whose tag would not read back as themselves', () => {
    // 1.0.0-rc.build-5 and 1.0.0-rc+5 would share the tag 1.0.0-rc.build-5.
    assert.throws(
      () => versionToTag('1.0.0-rc.build-5'),
      (e: unknown) => e instanceof InvalidVersionError && /build metadata/.test(e.message),
    );
    assert.equal(versionToTag('1.0.0-rc+5'), '1.0.0-rc.build-5');
    assert.throws(() => versionToTag('1.0.0+a.build-b'), InvalidVersionError);
  });

  it('refuses versions longer than a tag can be, and invalid versions', () => {
    const long = `1.0.0-${'a'.repeat(122)}`;
    assert.equal(long.length, 128);
    assert.equal(versionToTag(long), long);
    assert.throws(() => versionToTag(`${long}b`), /longer than 128/);
    assert.throws(() => versionToTag(`1.0.0+${'a'.repeat(118)}`), /longer than 128/);
    assert.throws(() => versionToTag('latest'), InvalidVersionError);
  });
});

describe('version ordering', () => {
  it('compares relaxed versions by SemVer precedence', () => {
    const ordered: Array<[string, string, number]> = [
      ['1', '1.0.0', 0],
      ['v1.2', '1.2.0', 0],
      ['1.0.0+a', '1.0.0+b', 0],
      ['1.0.0-rc.1', '1.0.0', -1],
      ['1.0.0-alpha', '1.0.0-alpha.1', -1],
      ['1.0.0-alpha.1', '1.0.0-alpha.beta', -1],
      ['1.0.0-beta.2', '1.0.0-beta.11', -1],
      ['1.0.0-rc.1', '1.0.0-rc.1.0', -1],
      ['1.9', '1.10', -1],
      ['v2', '1.99.99', 1],
      ['99999999999999999999', '99999999999999999998', 1],
      ['1.0.0-99999999999999999999', '1.0.0-9', 1],
    ];
    for (const [a, b, expected] of ordered) {
      assert.equal(Math.sign(compareVersions(a, b)), expected, `${a} vs ${b}`);
      assert.equal(Math.sign(compareVersions(b, a)), expected === 0 ? 0 : -expected, `${b} vs ${a}`);
    }
  });

  it('sorts newest first, deterministically for equal precedence', () => {
    const versions = [
      '1.0.0',
      'v2',
      '1.0.0-rc.1',
      '1.10.0',
      '1.9.0',
      '1.0.0+b',
      '1.0.0+a',
      '2.0.0-alpha',
      '0.1',
    ];
    const expected = [
      'v2',
      '2.0.0-alpha',
      '1.10.0',
      '1.9.0',
      '1.0.0+b',
      '1.0.0+a',
      '1.0.0',
      '1.0.0-rc.1',
      '0.1',
    ];
    assert.deepEqual(sortVersionsDescending(versions), expected);
    assert.deepEqual(sortVersionsDescending([...versions].reverse()), expected);
    assert.deepEqual(versions[0], '1.0.0', 'the input is not modified');
    assert.deepEqual(sortVersionsDescending(['1.0', '1', '1.0.0', 'v1']), ['v1', '1.0.0', '1.0', '1']);
  });

  it('knows pre-releases', () => {
    assert.equal(isPrerelease('1.0.0-rc.1'), true);
    assert.equal(isPrerelease('v1-0'), true);
    assert.equal(isPrerelease('1.0.0+rc'), false);
    assert.equal(isPrerelease('1.0.0'), false);
  });

  it('refuses invalid versions', () => {
    assert.throws(() => compareVersions('latest', '1.0.0'), InvalidVersionError);
    assert.throws(() => sortVersionsDescending(['1.0.0', 'latest']), InvalidVersionError);
    assert.throws(() => isPrerelease('x'), InvalidVersionError);
  });
});
