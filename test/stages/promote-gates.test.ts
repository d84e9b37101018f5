/** The promotion gates as pure functions: plain values in, gate results out, time injected. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { evaluateGates, type GateSnapshot } from '../../src/stages/gates.js';
import { parseStagesDocument, type StageRule } from '../../src/stages/policy/index.js';
import { stagesDocument } from '../support/stages.js';

const policy = parseStagesDocument(stagesDocument()).policy;
const stage = (name: string): StageRule => policy.stages.find((s) => s.name === name)!;
const d = (n: number) => `sha256:${String(n).repeat(64).slice(0, 64)}`;
const v110 = { version: '1.1.0', digest: d(1) };
const v100 = { version: '1.0.0', digest: d(2) };
const hour = 3_600_000;
const t0 = new Date('2026-06-01T12:00:00Z');

function prod(over: Partial<GateSnapshot> = {}): GateSnapshot {
  return {
    stage: stage('prod'),
    sourceStage: 'staging',
    source: v110,
    sourceSince: t0,
    candidate: v110,
    current: v100,
    now: new Date(t0.getTime() + 25 * hour),
    signatures: [{ name: 'release', ok: true, detail: 'release: verified' }],
    allowDowngrade: false,
    ...over,
  };
}

const results = (s: GateSnapshot) => evaluateGates(s).map((g) => `${g.gate}:${g.result}`);

describe('gates', () => {
  it('a stage without rules has no gates; staging has only from', () => {
    assert.deepEqual(evaluateGates({ ...prod(), stage: stage('dev') }), []);
    assert.deepEqual(
      evaluateGates({ ...prod(), stage: stage('staging'), sourceStage: 'dev' }).map((g) => [
        g.gate,
        g.result,
        g.detail,
      ]),
      [['from', 'pass', 'dev holds 1.1.0']],
    );
  });

  it('all pass after the soak, outside the freeze, signed, forward', () => {
    assert.deepEqual(results(prod()), [
      'from:pass',
      'soak:pass',
      'signatures:pass',
      'forwardOnly:pass',
      'freeze:pass',
    ]);
    const soak = evaluateGates(prod()).find((g) => g.gate === 'soak')!;
    assert.equal(soak.detail, 'in staging for 1d1h (soak 24h)');
  });

  it('soak: refused before it has passed, saying how long is left to the second (never rounded up)', () => {
    const early = prod({ now: new Date(t0.getTime() + 2 * hour + 30_000) });
    const soak = evaluateGates(early).find((g) => g.gate === 'soak')!;
    assert.equal(soak.result, 'refused');
    assert.equal(soak.detail, 'in staging for 2h of 24h: 21h59m30s left (passes at 2026-06-02T12:00:00Z)');
    const almost = evaluateGates(prod({ now: new Date(t0.getTime() + 24 * hour - 59 * 60_000 - 59_000) }));
    assert.match(almost[1]!.detail, /: 59m59s left /);
    assert.equal(evaluateGates(prod({ now: new Date(t0.getTime() + 24 * hour) }))[1]!.result, 'pass');
    assert.equal(evaluateGates(prod({ now: new Date(t0.getTime() + 24 * hour - 1) }))[1]!.result, 'refused');
  });

  it('soak: refused when nothing tells since when, or the candidate is not in the source', () => {
    const { sourceSince: _, ...unknown } = prod();
    const soak = evaluateGates({ ...unknown, sinceNote: 'no history' }).find((g) => g.gate === 'soak')!;
    assert.deepEqual(
      [soak.result, soak.detail],
      ['refused', 'no record of when staging took 1.1.0 (no history)'],
    );
    const other = prod({ candidate: { version: '1.2.0', digest: d(3) } });
    assert.deepEqual(
      evaluateGates(other)
        .filter((g) => g.gate === 'from' || g.gate === 'soak')
        .map((g) => g.detail),
      ['staging holds 1.1.0, not 1.2.0', '1.2.0 is not in staging now'],
    );
  });

  it('from: refused from another stage, or when the source does not exist', () => {
    assert.equal(
      evaluateGates(prod({ sourceStage: 'dev' }))[0]!.detail,
      'prod takes versions from staging, not from dev',
    );
    const { source: _, ...noSource } = prod();
    assert.equal(evaluateGates(noSource)[0]!.result, 'refused');
  });

  it('signatures: one row per required signature, refused with the reason', () => {
    const g = evaluateGates(
      prod({ signatures: [{ name: 'release', ok: false, detail: 'release: no signature' }] }),
    );
    const sig = g.find((x) => x.gate === 'signatures')!;
    assert.deepEqual(
      [sig.signature, sig.result, sig.detail],
      ['release', 'refused', 'release: no signature'],
    );
    assert.equal(
      evaluateGates(prod({ signatures: [] })).find((x) => x.gate === 'signatures')!.result,
      'refused',
    );
  });

  it('forwardOnly: backwards refused unless allowed; a new stage passes', () => {
    const back = prod({ candidate: v100, source: v100, current: v110 });
    const gate = (s: GateSnapshot) => evaluateGates(s).find((x) => x.gate === 'forwardOnly')!;
    assert.deepEqual(
      [gate(back).result, gate(back).detail],
      ['refused', "1.0.0 is lower than prod's 1.1.0 (pass --allow-downgrade to go back)"],
    );
    assert.equal(gate({ ...back, allowDowngrade: true }).result, 'pass');
    const { current: _, ...fresh } = prod();
    assert.deepEqual([gate(fresh).result, gate(fresh).detail], ['pass', 'prod is new']);
  });

  it('freeze: refused inside a window (from inclusive, until exclusive), with the reason', () => {
    const gate = (now: string) =>
      evaluateGates(prod({ now: new Date(now) })).find((x) => x.gate === 'freeze')!;
    assert.deepEqual(
      [gate('2026-12-20T00:00:00Z').result, gate('2026-12-20T00:00:00Z').detail],
      ['refused', 'frozen until 2027-01-04T00:00:00Z: year-end freeze'],
    );
    assert.equal(gate('2027-01-03T23:59:59Z').result, 'refused');
    assert.equal(gate('2027-01-04T00:00:00Z').result, 'pass');
    assert.equal(gate('2026-12-01T00:00:00Z').detail, 'not frozen; next freeze from 2026-12-20T00:00:00Z');
  });
});
