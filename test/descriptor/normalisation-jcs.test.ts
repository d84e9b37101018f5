import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  canonicalJson,
  NORMALISATION_ALGORITHMS,
  NormalisationError,
  normalise,
} from '../../src/descriptor/normalisation/index.js';
import { OcmError } from '../../src/errors.js';

describe('RFC 8785 JCS serialiser', () => {
  it('formats numbers as ECMAScript does (RFC 8785 appendix B)', () => {
    const vectors: [number, string][] = [
      [0, '0'],
      [-0, '0'],
      [1e21, '1e+21'],
      [1e20, '100000000000000000000'],
      [1e-7, '1e-7'],
      [0.000001, '0.000001'],
      [0.1 + 0.2, '0.30000000000000004'],
      [Number('333333333.33333329'), '333333333.3333333'],
      [1e30, '1e+30'],
      [4.5, '4.5'],
      [0.002, '0.002'],
      [1e-27, '1e-27'],
      [-1.5e-7, '-1.5e-7'],
      [Number.MAX_SAFE_INTEGER, '9007199254740991'],
      [5e-324, '5e-324'],
      [1.7976931348623157e308, '1.7976931348623157e+308'],
    ];
    for (const [value, expected] of vectors) assert.equal(canonicalJson(value), expected, `${value}`);
  });

  it('sorts keys by UTF-16 code units (RFC 8785 section 3.2.3 example)', () => {
    const input = {
      '\u20ac': 'Euro Sign',
      '\r': 'Carriage Return',
      '\ufb33': 'Hebrew Letter Dalet With Dagesh',
      '1': 'One',
      '\ud83d\ude00': 'Emoji: Grinning Face',
      '\u0080': 'Control',
      '\u00f6': 'Latin Small Letter O With Diaeresis',
    };
    assert.equal(
      canonicalJson(input),
      '{"\\r":"Carriage Return","1":"One","\u0080":"Control","\u00f6":"Latin Small Letter O With Diaeresis",' +
        '"\u20ac":"Euro Sign","\ud83d\ude00":"Emoji: Grinning Face","\ufb33":"Hebrew Letter Dalet With Dagesh"}',
    );
  });

  it('escapes only what JSON.stringify escapes', () => {
    assert.equal(canonicalJson('\u000f\n\t"\\/\u2028€<&\u007f'), '"\\u000f\\n\\t\\"\\\\/\u2028€<&\u007f"');
    assert.equal(canonicalJson('\b\f\r\u0000\u001f'), '"\\b\\f\\r\\u0000\\u001f"');
    assert.equal(
      canonicalJson({ b: [1, { d: true, c: null }], a: 'x' }),
      '{"a":"x","b":[1,{"c":null,"d":true}]}',
    );
  });

  it('reproduces the RFC 8785 section 3.2.2 sample', () => {
    const input = JSON.parse(
      '{"numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],' +
        '"string": "\\u20ac$\\u000F\\u000aA\'\\u0042\\u0022\\u005c\\\\\\"\\/", "literals": [null, true, false]}',
    );
    assert.equal(
      canonicalJson(input),
      '{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],' +
        '"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}',
    );
  });

  it('rejects values without a JSON form with NormalisationError', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    for (const bad of [
      Number.NaN,
      Infinity,
      1n,
      () => 1,
      Symbol('s'),
      new Date(0),
      '\ud800',
      { '\udc00': 1 },
      cyclic,
      [undefined],
    ]) {
      assert.throws(() => canonicalJson(bad), NormalisationError, String(typeof bad));
    }
  });

  it('property: the output parses back to the same value, and is a fixed point', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const text = canonicalJson(value);
        assert.deepStrictEqual(JSON.parse(text), JSON.parse(JSON.stringify(value)));
        assert.equal(canonicalJson(JSON.parse(text)), text);
      }),
      { numRuns: 500 },
    );
  });

  it('property: member order of the input does not matter', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue({ maxDepth: 2 })), (object) => {
        const reversed = Object.fromEntries(Object.entries(object).reverse());
        assert.equal(canonicalJson(reversed), canonicalJson(object));
      }),
    );
  });
});

describe('normalisation on arbitrary input', () => {
  const element = fc.oneof(
    fc.anything(),
    fc.record(
      {
        name: fc.anything(),
        version: fc.anything(),
        access: fc.oneof(fc.anything(), fc.record({ type: fc.constantFrom('none', 'None', 'localBlob') })),
        digest: fc.anything(),
        labels: fc.oneof(
          fc.anything(),
          fc.array(fc.record({ name: fc.string(), value: fc.anything(), signing: fc.anything() })),
        ),
        extraIdentity: fc.anything(),
      },
      { requiredKeys: [] },
    ),
  );
  const component = fc.record(
    {
      name: fc.anything(),
      provider: fc.oneof(fc.string(), fc.json(), fc.anything()),
      labels: fc.oneof(
        fc.anything(),
        fc.array(
          fc.record({
            name: fc.string(),
            value: fc.anything(),
            signing: fc.constantFrom(true, 'true', false),
          }),
        ),
      ),
      resources: fc.oneof(fc.anything(), fc.array(element)),
      sources: fc.oneof(fc.anything(), fc.array(element)),
      componentReferences: fc.oneof(fc.anything(), fc.array(element)),
    },
    { requiredKeys: [] },
  );
  const input = fc.oneof(fc.anything(), fc.record({ meta: fc.anything(), component }));

  it('property: never throws anything but typed errors', () => {
    fc.assert(
      fc.property(input, fc.constantFrom(...NORMALISATION_ALGORITHMS), (value, algorithm) => {
        try {
          const bytes = normalise(value, algorithm);
          assert.ok(bytes instanceof Uint8Array);
        } catch (error) {
          assert.ok(error instanceof OcmError, `untyped error: ${String(error)}`);
          assert.ok(['NORMALISATION_FAILED', 'UNSAFE_NUMBER'].includes(error.code), error.code);
        }
      }),
      { numRuns: 1000 },
    );
  });

  /** Components that mostly have a normal form, so the canonical-form check sees real output. */
  const wellFormed = fc.record(
    {
      name: fc.string(),
      version: fc.string(),
      provider: fc.oneof(fc.string(), fc.record({ name: fc.string() })),
      labels: fc.array(
        fc.record({ name: fc.string(), value: fc.jsonValue({ maxDepth: 2 }), signing: fc.boolean() }),
        { maxLength: 3 },
      ),
      resources: fc.array(
        fc.record(
          {
            name: fc.string(),
            version: fc.string(),
            type: fc.string(),
            relation: fc.constantFrom('local', 'external'),
            access: fc.record({ type: fc.constantFrom('none', 'localBlob') }),
            extraIdentity: fc.dictionary(fc.string(), fc.string(), { maxKeys: 2 }),
          },
          { requiredKeys: ['name'] },
        ),
        { maxLength: 3 },
      ),
      sources: fc.array(fc.record({ name: fc.string(), version: fc.string(), type: fc.string() }), {
        maxLength: 2,
      }),
      componentReferences: fc.array(
        fc.record({ name: fc.string(), componentName: fc.string(), version: fc.string() }),
        { maxLength: 2 },
      ),
    },
    { requiredKeys: ['name'] },
  );

  it('property: JCS normalisations produce canonical JSON', () => {
    let normalised = 0;
    fc.assert(
      fc.property(fc.oneof(component, wellFormed), (c) => {
        let text: string;
        try {
          text = new TextDecoder().decode(normalise({ component: c }, 'jsonNormalisation/v4alpha1'));
        } catch (error) {
          // Only the typed refusals of input that has no normal form; anything else fails.
          assert.ok(error instanceof OcmError, `untyped error: ${String(error)}`);
          assert.ok(['NORMALISATION_FAILED', 'UNSAFE_NUMBER'].includes(error.code), error.code);
          return;
        }
        normalised++;
        assert.equal(canonicalJson(JSON.parse(text)), text);
      }),
      { numRuns: 500 },
    );
    // The canonical-form check must have run on real output, not only on refusals.
    assert.ok(normalised >= 50, `only ${normalised} of 500 generated components were normalised`);
  });
});
