/**
 * artifact-index.json: the upstream update rules (alias-behaviours S31-S38) and our hygiene
 * (DESIGN 4.9), plus lenient reading and strict writing (spec 3.2).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ArtifactIndex, type IndexEntry } from '../../src/ctf/artifact-index.js';
import { InvalidIndexError } from '../../src/ctf/errors.js';
import { NotFoundError } from '../../src/errors.js';
import { TooLargeError } from '../../src/oci/errors.js';

const M = 'application/vnd.oci.image.manifest.v1+json';
const d = (c: string) => `sha256:${c.repeat(64).slice(0, 64)}`;
const [abc, def, ghi] = [d('a'), d('b'), d('c')];
const R = 'component-descriptors/example.com/app';

function rows(index: ArtifactIndex): string[] {
  return index.entries.map((e) => `${e.repository} ${e.tag ?? '-'} ${e.digest.slice(7, 8)}`);
}

describe('CTF index: upstream rules', () => {
  it('S31 exact duplicates are skipped, tagged or untagged', () => {
    const i = new ArtifactIndex();
    i.tag(R, 'v1', abc, M);
    i.tag(R, 'v1', abc, M);
    i.addUntagged('r2', abc, M);
    i.addUntagged('r2', abc, M);
    assert.deepEqual(rows(i), [`${R} v1 a`, 'r2 - a']);
  });

  it('S32 same digest, new tag: one entry per tag', () => {
    const i = new ArtifactIndex();
    for (const t of ['v1.0.0', 'latest', 'stable']) i.tag(R, t, abc, M);
    assert.deepEqual(rows(i), [`${R} v1.0.0 a`, `${R} latest a`, `${R} stable a`]);
  });

  it('S33 a retag leaves the old digest untagged when nothing else holds it', () => {
    const i = new ArtifactIndex();
    i.tag(R, 'v1', abc, M);
    i.tag(R, 'v1', def, M);
    assert.deepEqual(rows(i), [`${R} - a`, `${R} v1 b`]);
  });

  it('S34 an untagged entry is tagged in place', () => {
    const i = new ArtifactIndex();
    i.addUntagged(R, abc, M);
    i.tag(R, 'v1', abc, M);
    assert.deepEqual(rows(i), [`${R} v1 a`]);
    const j = new ArtifactIndex();
    j.addUntagged(R, def, M); // "new"
    j.tag(R, 'latest', abc, M); // "old"
    j.tag(R, 'latest', def, M);
    assert.deepEqual(rows(j), [`${R} latest b`, `${R} - a`]);
  });

  it('S35 repositories are isolated', () => {
    const i = new ArtifactIndex();
    i.tag('repo1', 'v1', abc, M);
    i.tag('repo2', 'v1', abc, M);
    i.tag('repo2', 'v1', def, M);
    assert.deepEqual(rows(i), ['repo1 v1 a', 'repo2 - a', 'repo2 v1 b']);
  });

  it('S36 encoding round trip keeps several tags, omits empty tags, refuses other schema versions', () => {
    const i = new ArtifactIndex();
    i.tag(R, 'v1', abc, M);
    i.tag(R, 'latest', abc, M);
    i.addUntagged(R, def, M);
    const bytes = i.serialize();
    const back = ArtifactIndex.parse(bytes, { strict: true });
    assert.deepEqual(back.entries, i.entries);
    const doc = JSON.parse(Buffer.from(bytes).toString());
    assert.deepEqual(Object.keys(doc), ['schemaVersion', 'artifacts']);
    assert.deepEqual(Object.keys(doc.artifacts[2]), ['repository', 'digest', 'mediaType']);
    assert.deepEqual(Object.keys(doc.artifacts[0]), ['repository', 'tag', 'digest', 'mediaType']);
    assert.ok(!Buffer.from(bytes).toString().endsWith('\n'));
    assert.throws(
      () => ArtifactIndex.parse(Buffer.from('{"schemaVersion":2,"artifacts":[]}')),
      InvalidIndexError,
    );
    assert.throws(
      () =>
        ArtifactIndex.parse(Buffer.from('{"schemaVersion":1,"artifacts":[],"extra":1}'), { strict: true }),
      InvalidIndexError,
    );
  });

  it('S37 several untagged artifacts with different digests are all kept', () => {
    const i = new ArtifactIndex();
    for (const x of [abc, def, ghi]) i.addUntagged(R, x, M);
    assert.equal(i.entries.length, 3);
  });

  it('S38 tag listing returns every tag of the repository and never an untagged entry', () => {
    const i = new ArtifactIndex();
    i.tag(R, 'v1', abc, M);
    i.tag(R, 'latest', abc, M);
    i.addUntagged(R, def, M);
    i.tag('other', 'x', abc, M);
    assert.deepEqual(i.tags(R), ['latest', 'v1']);
  });
});

describe('CTF index: hygiene (DESIGN 4.9)', () => {
  it('an entry emptied by a retag is dropped while another entry holds its digest', () => {
    const i = new ArtifactIndex();
    i.tag(R, '1.0.0', abc, M);
    i.tag(R, 'latest', abc, M);
    i.tag(R, 'latest', def, M);
    assert.deepEqual(rows(i), [`${R} 1.0.0 a`, `${R} latest b`]);
  });

  it('moving an alias through 100 versions keeps one entry per version plus the alias (S40 fixed)', () => {
    const i = new ArtifactIndex();
    for (let v = 0; v < 100; v++) {
      const digest = `sha256:${v.toString(16).padStart(64, '0')}`;
      i.addUntagged(R, digest, M);
      i.tag(R, `1.0.${v}`, digest, M);
      i.tag(R, 'latest', digest, M);
    }
    assert.equal(i.entries.length, 101);
    assert.equal(i.entries.filter((e) => e.tag === undefined).length, 0);
    const digests = i.entries.filter((e) => e.repository === R).map((e) => `${e.tag}`);
    assert.equal(new Set(digests).size, 101);
  });

  it('untag drops the entry when the digest is held elsewhere, else keeps it untagged', () => {
    const i = new ArtifactIndex();
    i.tag(R, '1.0.0', abc, M);
    i.tag(R, 'prod', abc, M);
    i.untag(R, 'prod');
    assert.deepEqual(rows(i), [`${R} 1.0.0 a`]);
    i.untag(R, '1.0.0');
    assert.deepEqual(rows(i), [`${R} - a`]);
    assert.throws(() => i.untag(R, '1.0.0'), NotFoundError);
  });

  it('a pushed manifest that is already tagged gets no untagged twin', () => {
    const i = new ArtifactIndex();
    i.tag(R, 'v1', abc, M);
    i.addUntagged(R, abc, M);
    assert.deepEqual(rows(i), [`${R} v1 a`]);
  });

  it('a (repository, tag) pair appears at most once, even when a legacy index had duplicates', () => {
    const legacy = JSON.stringify({
      schemaVersion: 1,
      artifacts: [
        { repository: R, tag: 'v1', digest: abc },
        { repository: R, tag: 'v1', digest: def },
        { repository: R, digest: abc },
      ],
    });
    const i = ArtifactIndex.parse(Buffer.from(legacy));
    assert.deepEqual(rows(i), [`${R} v1 a`, `${R} - b`]);
    assert.equal(i.find(R, 'v1')?.digest, abc);
  });
});

describe('CTF index: reading', () => {
  it('reads "artifacts": null, a missing mediaType and an empty file', () => {
    assert.equal(ArtifactIndex.parse(Buffer.from('{"schemaVersion":1,"artifacts":null}')).entries.length, 0);
    assert.equal(ArtifactIndex.parse(new Uint8Array()).entries.length, 0);
    const i = ArtifactIndex.parse(
      Buffer.from(`{"schemaVersion":1,"artifacts":[{"repository":"a/b","tag":"","digest":"${abc}"}]}`),
    );
    assert.deepEqual(i.entries[0], { repository: 'a/b', digest: abc, mediaType: M } satisfies IndexEntry);
  });

  it('refuses malformed entries with a typed error naming the path', () => {
    const bad = [
      '[]',
      '{"schemaVersion":1,"artifacts":{}}',
      `{"schemaVersion":1,"artifacts":[{"repository":"../x","digest":"${abc}"}]}`,
      `{"schemaVersion":1,"artifacts":[{"repository":"/abs","digest":"${abc}"}]}`,
      '{"schemaVersion":1,"artifacts":[{"repository":"a","digest":"sha256:xyz"}]}',
      `{"schemaVersion":1,"artifacts":[{"repository":"a","tag":"-bad","digest":"${abc}"}]}`,
      `{"schemaVersion":1,"artifacts":[{"repository":"a","digest":"${abc}","mediaType":5}]}`,
      '{"schemaVersion":1,',
      '\xff\xfe',
    ];
    for (const text of bad)
      assert.throws(() => ArtifactIndex.parse(Buffer.from(text, 'latin1')), InvalidIndexError, text);
    assert.throws(
      () =>
        ArtifactIndex.parse(
          Buffer.from(`{"schemaVersion":1,"artifacts":[{"repository":"a","digest":"${abc}","x":1}]}`),
          { strict: true },
        ),
      /artifacts\[0\]: unknown key "x"/,
    );
  });

  it('refuses an index over the size limit', () => {
    assert.throws(() => ArtifactIndex.parse(new Uint8Array(64 * 1024 * 1024 + 1)), TooLargeError);
  });
});
