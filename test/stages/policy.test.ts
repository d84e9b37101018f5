/**
 * The stages document: parsing, the shipped schema, the rules a schema cannot say (paths in every
 * error), the strict duration grammar, and storage under `_ocm.stages` on a CTF (nothing written
 * when the document is refused).
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openRepository } from '../../src/open.js';
import {
  formatDuration,
  getStagePolicy,
  InvalidStagePolicyError,
  parseDuration,
  parseStagesDocument,
  STAGES_TAG,
  setStagePolicy,
} from '../../src/stages/policy/index.js';
import { COMPONENT, descriptor } from '../support/descriptors.js';
import { stagesDocument } from '../support/stages.js';
import { tempDir } from '../support/tmp.js';

const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const publicPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
const privatePem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const indent = (pem: string) =>
  pem
    .trim()
    .split('\n')
    .map((l) => `            ${l}`)
    .join('\n');

const example = stagesDocument({ publicKeyPem: publicPem });

/** The issues of the refusal of `text`, as `path: message`. */
function issues(text: string): string[] {
  try {
    parseStagesDocument(text);
  } catch (err) {
    assert.ok(err instanceof InvalidStagePolicyError, String(err));
    assert.equal(err.code, 'INVALID_STAGE_POLICY');
    return err.issues.map((i) => `${i.path}: ${i.message}`);
  }
  assert.fail('the document was accepted');
}

describe('durations', () => {
  it('reads d, h, m, s parts in order', () => {
    assert.equal(parseDuration('24h'), 24 * 3_600_000);
    assert.equal(parseDuration('30m'), 30 * 60_000);
    assert.equal(parseDuration('2d'), 2 * 86_400_000);
    assert.equal(parseDuration('1h30m'), 90 * 60_000);
    assert.equal(parseDuration('1d2h3m4s'), 86_400_000 + 2 * 3_600_000 + 3 * 60_000 + 4000);
  });
  it('refuses everything else', () => {
    for (const bad of [
      '',
      'h',
      '24',
      '1.5h',
      '1h1d',
      ' 1h',
      '1h ',
      '1H',
      '-1h',
      '1 h',
      '24 hours',
      '1hh',
      '1w',
    ])
      assert.equal(parseDuration(bad), undefined, bad);
  });
  it('formats for people', () => {
    assert.equal(formatDuration(22 * 3_600_000), '22h');
    assert.equal(formatDuration(26 * 3_600_000 + 5 * 60_000), '1d2h5m');
    assert.equal(formatDuration(45_000), '45s');
    assert.equal(formatDuration(-5), '0s');
  });
});

describe('stages document', () => {
  it('reads the example with its gates', () => {
    const doc = parseStagesDocument(example);
    assert.deepEqual(
      doc.policy.stages.map((s) => s.name),
      ['dev', 'staging', 'prod'],
    );
    const prod = doc.policy.stages[2]!;
    assert.equal(prod.from, 'staging');
    assert.deepEqual(prod.soak, { text: '24h', ms: 86_400_000 });
    assert.equal(prod.forwardOnly, true);
    assert.equal(prod.signatures[0]!.name, 'release');
    assert.equal(prod.freeze[0]!.from.toISOString(), '2026-12-20T00:00:00.000Z');
    assert.equal(prod.freeze[0]!.reason, 'year-end freeze');
    assert.match(doc.digest, /^sha256:[0-9a-f]{64}$/);
    assert.equal(doc.policy.stages[0]!.forwardOnly, false);
  });

  it('names the path of an unknown key', () => {
    assert.deepEqual(issues('stages:\n  - name: dev\n  - name: prod\n    colour: red\n'), [
      'stages[1].colour: is not allowed here',
    ]);
    assert.deepEqual(issues('stages: []\nextra: 1\n').sort(), [
      'extra: is not allowed here',
      'stages: must NOT have fewer than 1 items',
    ]);
  });

  it('refuses a cycle in from, once, naming the chain', () => {
    const found = issues(
      'stages:\n  - name: a\n    from: c\n  - name: b\n    from: a\n  - name: c\n    from: b\n  - name: d\n    from: d\n',
    );
    assert.deepEqual(found.sort(), [
      'stages[0].from: the from chain is a cycle: a <- c <- b <- a',
      'stages[3].from: a stage cannot take from itself',
    ]);
    assert.deepEqual(issues('stages:\n  - name: prod\n    from: staging\n'), [
      'stages[0].from: names no stage of this document: staging',
    ]);
  });

  it('refuses stage names that are versions, reserved or not tags', () => {
    // The schema speaks first: a name that is not a tag (or not a string) is reported alone.
    assert.deepEqual(issues('stages:\n  - name: "bad name"\n  - name: 1.5\n'), [
      'stages[0].name: must be an alias name: [A-Za-z0-9_][A-Za-z0-9._-]{0,127}',
      'stages[1].name: must be a string',
    ]);
    const semantic = issues(
      'stages:\n  - name: "1.0.0"\n  - name: _ocm.stages\n  - name: v2\n  - name: dev\n  - name: dev\n',
    );
    assert.deepEqual(
      semantic.map((s) => s.split(':')[0]),
      ['stages[0].name', 'stages[1].name', 'stages[2].name', 'stages[4].name'],
    );
    assert.match(semantic[0]!, /version/);
    assert.match(semantic[1]!, /reserved/);
    assert.match(semantic[3]!, /named already by stages\[3\]/);
  });

  it('refuses unparsable durations, soak without from, and bare numbers', () => {
    for (const soak of ['"24 hours"', '"1.5h"', '"1h1d"', '"h"']) {
      const found = issues(`stages:\n  - name: dev\n  - name: prod\n    from: dev\n    soak: ${soak}\n`);
      assert.deepEqual(found.length, 1, soak);
      assert.match(found[0]!, /^stages\[1\]\.soak: must be a duration such as 24h/);
    }
    assert.match(
      issues('stages:\n  - name: dev\n  - name: prod\n    from: dev\n    soak: 24\n')[0]!,
      /soak: must be a string \(write a duration/,
    );
    assert.deepEqual(issues('stages:\n  - name: prod\n    soak: 1h\n'), [
      'stages[0].soak: needs from: the soak is counted in the from stage',
    ]);
  });

  it('refuses unusable keys without echoing them', () => {
    const garbage = issues(
      'stages:\n  - name: prod\n    signatures:\n      - name: release\n        publicKey: "not a key"\n',
    );
    assert.equal(garbage.length, 1);
    assert.match(garbage[0]!, /^stages\[0\]\.signatures\[0\]\.publicKey: not a usable public key/);
    let err: unknown;
    try {
      parseStagesDocument(
        `stages:\n  - name: prod\n    signatures:\n      - name: release\n        publicKey: |\n${indent(privatePem)}\n`,
      );
    } catch (e) {
      err = e;
    }
    assert.ok(err instanceof InvalidStagePolicyError);
    assert.match(err.message, /stages\[0\]\.signatures\[0\]\.publicKey: is a private key/);
    const body = privatePem.split('\n')[1]!;
    assert.ok(!err.message.includes(body) && !JSON.stringify(err.issues).includes(body));
    assert.match(
      issues('stages:\n  - name: prod\n    signatures:\n      - name: a\n      - name: a\n')[0]!,
      /^stages\[0\]\.signatures\[1\]\.name: signature a is required twice/,
    );
  });

  it('a misspelt key gets a did-you-mean from the keys its mapping allows', () => {
    assert.deepEqual(issues('stages:\n  - name: dev\n  - name: prod\n    from: dev\n    soka: 1h\n'), [
      'stages[1].soka: is not allowed here; did you mean "soak"?',
    ]);
    assert.deepEqual(
      issues(
        'stages:\n  - name: prod\n    freeze:\n      - from: 2026-12-20\n        untill: 2027-01-04\n',
      ).sort(),
      [
        'stages[0].freeze[0].until: is required',
        'stages[0].freeze[0].untill: is not allowed here; did you mean "until"?',
      ].sort(),
    );
    assert.deepEqual(
      issues('stagse: []\n').sort(),
      ['stagse: is not allowed here; did you mean "stages"?', 'stages: is required'].sort(),
    );
  });

  it('freeze windows take plain dates (midnight UTC) as --since and --at do', () => {
    const doc = parseStagesDocument(
      'stages:\n  - name: prod\n    freeze:\n      - from: 2026-12-20\n        until: 2027-01-04T12:00:00Z\n',
    );
    const window = doc.policy.stages[0]!.freeze[0]!;
    assert.equal(window.from.toISOString(), '2026-12-20T00:00:00.000Z');
    assert.equal(window.until.toISOString(), '2027-01-04T12:00:00.000Z');
    assert.deepEqual(
      issues('stages:\n  - name: prod\n    freeze:\n      - from: 2026-02-30\n        until: 2026-03-04\n'),
      ['stages[0].freeze[0].from: is not a date of the calendar'],
    );
  });

  it('refuses freeze windows that end before they start or are not RFC 3339', () => {
    assert.deepEqual(
      issues(
        'stages:\n  - name: prod\n    freeze:\n      - from: 2027-01-04T00:00:00Z\n        until: 2026-12-20T00:00:00Z\n',
      ),
      ['stages[0].freeze[0].until: must be later than from'],
    );
    assert.deepEqual(
      issues(
        'stages:\n  - name: prod\n    freeze:\n      - from: 2026-02-29T00:00:00Z\n        until: 2028-02-29T00:00:00Z\n',
      ),
      ['stages[0].freeze[0].from: is not a date of the calendar'],
    );
    assert.deepEqual(
      issues(
        'stages:\n  - name: prod\n    freeze:\n      - from: 20 Dec 2026\n        until: 2027-01-04T00:00:00Z\n',
      ),
      [
        'stages[0].freeze[0].from: must be an RFC 3339 date-time such as 2026-12-20T00:00:00Z, or a date such as 2026-12-20',
      ],
    );
  });

  it('refuses YAML it cannot read strictly', () => {
    assert.match(issues('stages:\n  - name: dev\n    name: dev2\n')[0]!, /invalid YAML/);
    assert.match(issues('stages: [')[0]!, /invalid YAML/);
    assert.match(issues('- dev\n')[0]!, /the stages document must be a mapping/);
  });

  it('ships its schema in the package', async () => {
    const schema = JSON.parse(
      await readFile(new URL('../../src/stages/policy/schema/stages.schema.json', import.meta.url), 'utf8'),
    );
    assert.equal(schema.$schema, 'https://json-schema.org/draft/2020-12/schema');
    assert.equal(schema.additionalProperties, false);
  });
});

describe('storage under _ocm.stages (CTF)', () => {
  let dir: { path: string; remove: () => Promise<void> };
  before(async () => {
    dir = await tempDir();
  });
  after(() => dir.remove());

  it('stores the document as written, reads it back, and writes nothing for a refused one', async () => {
    const path = join(dir.path, 'ctf');
    const { repository, close } = await openRepository(path, { create: true });
    try {
      await repository.addComponentVersion(descriptor('1.0.0'));
      assert.equal(await getStagePolicy(repository, COMPONENT), undefined);
      const set = await setStagePolicy(repository, COMPONENT, example);
      assert.equal(set.status, 'set');
      const stored = await getStagePolicy(repository, COMPONENT);
      assert.ok(stored);
      assert.equal(new TextDecoder().decode(stored.bytes), example);
      assert.equal(stored.digest, set.digest);
      assert.equal((await setStagePolicy(repository, COMPONENT, example)).status, 'unchanged');

      const index = await readFile(join(path, 'artifact-index.json'), 'utf8');
      await assert.rejects(
        setStagePolicy(repository, COMPONENT, 'stages:\n  - name: prod\n    from: prod\n'),
        InvalidStagePolicyError,
      );
      assert.equal(await readFile(join(path, 'artifact-index.json'), 'utf8'), index);

      // The reserved tag is neither a version nor an alias.
      assert.deepEqual(await repository.listComponentVersions(COMPONENT), ['1.0.0']);
      assert.deepEqual(await repository.listComponentVersionAliases(COMPONENT), []);
      const tags = JSON.parse(index).artifacts.map((a: { tag?: string }) => a.tag);
      assert.ok(tags.includes(STAGES_TAG));
    } finally {
      await close();
    }
  });
});
