/**
 * Regressions found by the reliability fuzzing of the YAML reader (src/descriptor/read.ts), which
 * descriptors and constructors share. Each input runs in a child process with a time limit, because
 * the failures were a process abort (V8 "RegExpCompiler Allocation failed" after a stack overflow
 * in yaml's recursive composer) and an endless loop (a cyclic value from a recursive alias), and
 * neither can be caught or timed out from inside the process.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { projectRoot } from '../support/paths.js';

const CHILD_LIMIT_MS = 30_000;

/** Parses `text` as a descriptor (strict, lenient) and a constructor in a child; returns the error codes. */
function codesInChild(text: string): {
  codes: string[];
  status: number | null;
  signal: string | null;
  stderr: string;
} {
  const script = `
    import { parseDescriptor } from ${JSON.stringify(join(projectRoot, 'src/descriptor/parse.ts'))};
    import { parseConstructor } from ${JSON.stringify(join(projectRoot, 'src/constructor/read.ts'))};
    import { OcmError } from ${JSON.stringify(join(projectRoot, 'src/errors.ts'))};
    const text = (await import('node:fs')).readFileSync(0, 'utf8');
    const codes = [];
    for (const f of [() => parseDescriptor(text), () => parseDescriptor(text, { strict: false }), () => parseConstructor(text, '/x', undefined)]) {
      try { f(); codes.push('OK'); } catch (e) { codes.push(e instanceof OcmError ? e.code : 'UNTYPED ' + e); }
    }
    process.stdout.write(JSON.stringify(codes));
  `;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    cwd: projectRoot,
    input: text,
    timeout: CHILD_LIMIT_MS,
    encoding: 'utf8',
  });
  let codes: string[] = [];
  try {
    codes = JSON.parse(r.stdout) as string[];
  } catch {
    // reported through status and signal below
  }
  return {
    codes,
    status: r.status,
    signal: r.signal,
    stderr: `${r.error ?? ''}${(r.stderr ?? '').slice(-2000)}`,
  };
}

const flow = (d: number) => `${'['.repeat(d)}${']'.repeat(d)}`;
const json = (d: number) => `${'[{"k":'.repeat(d)}1${'}]'.repeat(d)}`;
const block = (d: number) => Array.from({ length: d }, (_, i) => `${' '.repeat(i)}- `).join('\n');
const compact = (d: number) => `${'- '.repeat(d)}x`;

describe('YAML reader limits (fuzzing regressions)', { concurrency: 2 }, () => {
  const cases: Array<[string, string]> = [
    ['flow sequences 1,000 deep', flow(1000)],
    ['flow sequences 20,000 deep', flow(20_000)],
    ['JSON-looking lists of maps 5,000 deep (read as YAML)', json(5000)],
    ['block sequences 2,000 deep', block(2000)],
    ['compact block sequences 5,000 deep on one line', compact(5000)],
    ['a recursive alias in a flow map', '&b {x: *b}'],
    ['a recursive alias in a flow sequence, after blank lines', '  \n&a [*a]'],
    ['a recursive alias with fan-out', '&b {x: *b, y: *b, z: [*b, *b]}'],
    ['a recursive merge key', 'a: &b {<<: *b}'],
    ['a recursive alias inside a constructor list', 'components:\n- &c {name: *c}'],
  ];
  for (const [name, text] of cases) {
    it(`${name}: a typed error, no abort, no endless loop`, { timeout: CHILD_LIMIT_MS + 10_000 }, () => {
      const started = Date.now();
      const r = codesInChild(text);
      assert.equal(
        r.signal,
        null,
        `child killed by ${r.signal} after ${Date.now() - started} ms (endless loop?)`,
      );
      assert.equal(r.status, 0, `child crashed: ${r.stderr}`);
      assert.deepEqual(r.codes, ['INVALID_DESCRIPTOR', 'INVALID_DESCRIPTOR', 'INVALID_CONSTRUCTOR']);
    });
  }

  it('nesting within the limit still reads', () => {
    const r = codesInChild(
      `meta: {schemaVersion: v2}\ncomponent: {name: example.com/a, version: 1.0.0, provider: acme, repositoryContexts: [], resources: [], sources: [], componentReferences: [], labels: [{name: deep, value: ${flow(90)}}]}`,
    );
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(r.codes.slice(0, 2), ['OK', 'OK']);
  });
});
