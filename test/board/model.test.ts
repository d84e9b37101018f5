import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { diffVersions } from '../../src/board/diff.js';
import { feedingStages, lagOf, orderStages } from '../../src/board/model.js';
import { errorResponse } from '../../src/board/server.js';
import { AliasConflictError } from '../../src/repository/index.js';
import { PolicyError } from '../../src/stages/policy/index.js';
import { descriptor, resource } from '../support/descriptors.js';

const digest = (c: string) => ({
  hashAlgorithm: 'SHA-256',
  normalisationAlgorithm: 'genericBlobDigest/v1',
  value: c.repeat(64),
});

describe('board model', () => {
  it('orders columns: policy order, then dev, qa, test, staging, prod, then the rest alphabetically', () => {
    assert.deepEqual(orderStages(['prod', 'canary', 'dev', 'beta', 'staging', 'qa']), [
      'dev',
      'qa',
      'staging',
      'prod',
      'beta',
      'canary',
    ]);
    assert.deepEqual(orderStages(['prod', 'dev', 'live'], [['dev', 'live', 'prod']]), [
      'dev',
      'live',
      'prod',
    ]);
    assert.deepEqual(
      orderStages(
        ['a', 'b', 'c', 'dev'],
        [
          ['c', 'a'],
          ['b', 'a'],
        ],
      ),
      ['c', 'b', 'a', 'dev'],
    );
    // A policy dev -> staging -> prod and a component with qa: the conventional order fills in.
    assert.deepEqual(orderStages(['qa', 'canary'], [['dev', 'staging', 'prod']]), [
      'dev',
      'qa',
      'staging',
      'prod',
      'canary',
    ]);
    // A policy that disagrees with the conventional order wins.
    assert.deepEqual(orderStages(['dev', 'staging'], [['prod', 'staging']]), ['prod', 'dev', 'staging']);
  });

  it('feeds each stage from the policy from, else the nearest earlier column present', () => {
    const cols = ['dev', 'qa', 'staging', 'prod'];
    assert.deepEqual(
      [...feedingStages(cols, new Set(['dev', 'staging', 'prod']))],
      [
        ['staging', 'dev'],
        ['prod', 'staging'],
      ],
    );
    assert.deepEqual(
      [...feedingStages(cols, new Set(['dev', 'qa', 'prod']), { prod: 'dev' })],
      [
        ['qa', 'dev'],
        ['prod', 'dev'],
      ],
    );
  });

  it('marks lag only where the feeder holds a higher version', () => {
    const at = (version: string, d = version) => ({ version, digest: `sha256:${d}` });
    assert.equal(lagOf(at('1.0.0'), at('1.1.0')), true);
    assert.equal(lagOf(at('1.1.0'), at('1.1.0')), false);
    assert.equal(lagOf(at('1.2.0'), at('1.1.0')), false, 'a hotfix ahead of its feeder does not lag');
    assert.equal(lagOf(at('1.0.0-rc.1'), at('1.0.0')), true);
  });

  it('diffs resources and sources: added, removed, new digest, new labels; component labels', () => {
    const before = descriptor('1.0.0', {
      resources: [
        resource('config', { digest: digest('a') }),
        resource('notes', { digest: digest('b') }),
        resource('chart', { digest: digest('c'), labels: [{ name: 'tier', value: 'gold' }] }),
      ],
      labels: [{ name: 'team', value: 'shop' }],
    });
    const after = descriptor('1.1.0', {
      resources: [
        resource('config', { digest: digest('d') }),
        resource('chart', { digest: digest('c'), labels: [{ name: 'tier', value: 'silver' }] }),
        resource('image', { digest: digest('e') }),
      ],
      labels: [{ name: 'team', value: 'checkout' }],
    });
    const d = diffVersions(before, after);
    assert.deepEqual(
      d.changes.map((c) => [c.identity.name, c.change, c.fields.join(',')]),
      [
        ['config', 'changed', 'digest'],
        ['notes', 'removed', ''],
        ['chart', 'changed', 'labels'],
        ['image', 'added', ''],
      ],
    );
    assert.equal(d.changes[0]!.before?.digest, 'a'.repeat(64));
    assert.equal(d.changes[0]!.after?.digest, 'd'.repeat(64));
    assert.deepEqual(d.labels, [{ name: 'team', before: '"shop"', after: '"checkout"' }]);
    assert.deepEqual(diffVersions(after, after).changes, []);
  });

  it('maps errors to statuses: stale expect 409, refused gate 422 with the refused gates, bad input 400', () => {
    const stale = errorResponse(new AliasConflictError('c', 'prod', '1.0.0', '1.1.0'));
    assert.equal(stale.status, 409);
    const refused = errorResponse(
      new PolicyError('c', 'prod', 'refused', [{ gate: 'soak', result: 'refused', detail: 'needs 24h' }]),
    );
    assert.equal(refused.status, 422);
    assert.deepEqual((refused.body as { error: { details: unknown } }).error.details, {
      refused: [{ gate: 'soak', result: 'refused', detail: 'needs 24h' }],
    });
    assert.equal(errorResponse(new Error('boom')).status, 500);
  });
});
