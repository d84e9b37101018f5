/** Globs of Dir/v1 `includeFiles` / `excludeFiles`. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compileGlob } from '../../src/constructor/glob.js';

function matches(pattern: string, path: string): boolean {
  const m = compileGlob(pattern);
  assert.ok(m, `pattern ${pattern} compiles`);
  return m(path);
}

describe('compileGlob', () => {
  it('* and ? stay within a segment; a pattern without / also matches base names', () => {
    assert.ok(matches('*.yaml', 'a.yaml'));
    assert.ok(matches('*.yaml', 'deep/dir/a.yaml'));
    assert.ok(!matches('*.yaml', 'a.yml'));
    assert.ok(matches('a?c', 'abc'));
    assert.ok(!matches('a?c', 'a/c'));
    assert.ok(!matches('sub/*.yaml', 'sub/deeper/a.yaml'));
    assert.ok(matches('sub/*.yaml', 'sub/a.yaml'));
  });

  it('** spans segments, including none', () => {
    assert.ok(matches('**/c.yaml', 'c.yaml'));
    assert.ok(matches('**/c.yaml', 'a/b/c.yaml'));
    assert.ok(matches('a/**', 'a/b/c'));
    assert.ok(matches('a/**/z', 'a/z'));
    assert.ok(matches('a/**/z', 'a/b/c/z'));
    assert.ok(!matches('a/**/z', 'b/z'));
  });

  it('classes, negated classes, escapes and regex metacharacters', () => {
    assert.ok(matches('[ab].txt', 'a.txt'));
    assert.ok(!matches('[ab].txt', 'c.txt'));
    assert.ok(matches('[!ab].txt', 'c.txt'));
    assert.ok(!matches('[!ab].txt', 'a.txt'));
    assert.ok(matches('[a-c]x', 'bx'));
    assert.ok(matches('\\*.txt', '*.txt'));
    assert.ok(!matches('\\*.txt', 'a.txt'));
    assert.ok(matches('a+(b).txt', 'a+(b).txt'));
    assert.ok(!matches('a.txt', 'abtxt'));
  });

  it('malformed patterns are undefined, not exceptions', () => {
    assert.equal(compileGlob('[abc'), undefined);
    assert.equal(compileGlob('[z-a]'), undefined);
  });
});
