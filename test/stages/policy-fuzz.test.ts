/**
 * Malformed stages documents get a typed error, never a crash (DESIGN 7): random byte edits of a
 * valid document, and random JSON values, either parse or fail with InvalidStagePolicyError.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import fc from 'fast-check';
import { InvalidStagePolicyError, parseStagesDocument } from '../../src/stages/policy/index.js';

const valid = `stages:
  - name: dev
  - name: staging
    from: dev
  - name: prod
    from: staging
    soak: 1d2h
    forwardOnly: true
    signatures:
      - name: release
    freeze:
      - from: 2026-12-20T00:00:00Z
        until: 2027-01-04T00:00:00Z
        reason: year-end freeze
`;

function typedOrValid(input: Uint8Array | string): void {
  try {
    parseStagesDocument(input);
  } catch (err) {
    assert.ok(err instanceof InvalidStagePolicyError, `untyped failure: ${(err as Error)?.stack ?? err}`);
    assert.ok(err.issues.length > 0);
  }
}

it('random edits of a valid document: parsed or InvalidStagePolicyError', () => {
  const bytes = new TextEncoder().encode(valid);
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.nat(bytes.length - 1), fc.integer({ min: 0, max: 255 })), {
        minLength: 1,
        maxLength: 8,
      }),
      fc.nat(bytes.length),
      (edits, cut) => {
        const copy = Uint8Array.from(bytes);
        for (const [at, value] of edits) copy[at] = value;
        typedOrValid(copy);
        typedOrValid(copy.subarray(0, cut));
      },
    ),
    { numRuns: 400 },
  );
});

it('random JSON values: parsed or InvalidStagePolicyError', () => {
  fc.assert(
    fc.property(fc.jsonValue({ maxDepth: 5 }), (value) => typedOrValid(JSON.stringify({ stages: [value] }))),
    { numRuns: 300 },
  );
  fc.assert(
    fc.property(
      fc.record({
        name: fc.string({ maxLength: 12 }),
        from: fc.option(fc.constantFrom('dev', 'staging', 'prod', 'x'), { nil: undefined }),
        soak: fc.option(fc.string({ maxLength: 8 }), { nil: undefined }),
        forwardOnly: fc.option(fc.boolean(), { nil: undefined }),
      }),
      (stage) => typedOrValid(JSON.stringify({ stages: [{ name: 'dev' }, stage] })),
    ),
    { numRuns: 300 },
  );
});
