/** The evidence parts of the stages document: trust, checks, approvals, and what is refused. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InvalidStagePolicyError, parseStagesDocument } from '../../src/stages/policy/index.js';
import { evidenceStagesDocument, testKey } from '../support/evidence-keys.js';

const ci = testKey('ecdsa-p256');
const alice = testKey('ed25519');
const bob = testKey('rsa');

function issues(text: string): string[] {
  try {
    parseStagesDocument(text);
  } catch (err) {
    assert.ok(err instanceof InvalidStagePolicyError);
    assert.ok(!err.message.includes('PRIVATE KEY') && !err.message.includes(ci.privatePem.split('\n')[1]!));
    return err.issues.map((i) => `${i.path}: ${i.message}`);
  }
  return [];
}

describe('stages document: evidence rules', () => {
  it('reads trust, checks and approvals', () => {
    const doc = parseStagesDocument(
      evidenceStagesDocument({
        ci: ci.publicPem,
        alice: alice.publicPem,
        bob: bob.publicPem,
        carol: alice.publicPem,
      }),
    );
    assert.deepEqual(
      doc.policy.trust.map((t) => t.name),
      ['ci', 'alice', 'bob', 'carol'],
    );
    const prod = doc.policy.stages.find((s) => s.name === 'prod')!;
    assert.deepEqual(prod.checks, [{ name: 'e2e', by: ['ci'], stage: 'staging' }]);
    assert.deepEqual(prod.approvals, { count: 2, by: ['alice', 'bob', 'carol'] });
  });

  it('refuses unknown signers, impossible counts, private keys, repeated names, and checks in unknown stages', () => {
    const text = evidenceStagesDocument({ ci: ci.privatePem, alice: alice.publicPem, bob: bob.publicPem })
      .replace('by: [ci]', 'by: [ci, dave]')
      .replace('stage: staging', 'stage: qa\n      - name: e2e\n        by: [bob]')
      .replace('count: 2', 'count: 4');
    const found = issues(text);
    const expected = [
      /^trust\[0\]\.publicKey: is a private key/,
      /^stages\[2\]\.checks\[0\]\.by\[1\]: names no entry of trust: dave/,
      /^stages\[2\]\.checks\[0\]\.stage: names no stage of this document: qa/,
      /^stages\[2\]\.checks\[1\]\.name: check e2e is required twice/,
      /^stages\[2\]\.approvals\.by\[2\]: names no entry of trust: carol/,
      /^stages\[2\]\.approvals\.count: 4 distinct approvers are needed but by names 3/,
    ];
    for (const e of expected)
      assert.ok(
        found.some((f) => e.test(f)),
        `${e} not in\n${found.join('\n')}`,
      );
    assert.ok(
      issues('trust:\n  - name: x\n    publicKey: nope\nstages:\n  - name: dev\n').some((f) =>
        /trust\[0\]\.publicKey: not a usable public key/.test(f),
      ),
    );
    const p384 = '-----BEGIN PUBLIC KEY-----\nMHYwEAYHKoZIzj0CAQYFK4EEACIDYgAE\n-----END PUBLIC KEY-----\n';
    assert.ok(
      issues(
        `trust:\n  - name: x\n    publicKey: |\n      ${p384.trim().split('\n').join('\n      ')}\nstages:\n  - name: dev\n`,
      ).length > 0,
    );
  });
});
