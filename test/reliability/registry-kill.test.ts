/**
 * kill -9 on registry moves (docs/history.md, "Concurrency and crashes"): the built `ocm` runs
 * `tag cv` and `promote cv` against a real Distribution registry through an observing proxy and is
 * SIGKILLed at a random point of its move (when its k-th request reaches the registry, k random,
 * after a random 0-5 ms; every fourth round at its alias PUT), then run again as a user would.
 * Every sixth round the REGISTRY process is SIGKILLed instead, at a random request, and started
 * again on the same storage after 0-4 s (the client's retries outlast that or it fails, exit 1). After every round: the alias is where the rerun put it, the history
 * has exactly one event per completed move (none lost, none twice) and nothing untracked, and the
 * chain verifies. Each kill is classified by what it left: no entry yet, an entry without its done
 * mark (mid-move; with the alias moved or not), or a done entry; some must leave a moved alias
 * without its mark. OCM_REGISTRY_KILLS rounds (default 12, at least 2); a failure names its round,
 * command and kill point.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { OcmRepository } from '../../src/repository/index.js';
import { DONE_SUFFIX } from '../../src/stages/history/pending.js';
import {
  ENTRY_TAG_PREFIX,
  getAliasHistory,
  type HistoryEvent,
  HistoryJournal,
  setStagePolicy,
  verifyAliasHistory,
} from '../../src/stages/index.js';
import { BUILD_TIMEOUT_MS, binary, builtBinary } from '../support/built.js';
import { COMPONENT as C, descriptor } from '../support/descriptors.js';
import { startFaultProxy } from '../support/fault-proxy.js';
import { sharedRegistry, type TestRegistry } from '../support/registry.js';
import { countSetting } from '../support/settings.js';
import { runNode } from '../support/spawn.js';
import { tempDir } from '../support/tmp.js';

const ROUNDS = countSetting('OCM_REGISTRY_KILLS', 12);
// Round 0 kills the client at its alias PUT, round 1 the registry: fewer rounds would prove less.
if (ROUNDS < 2) throw new Error(`OCM_REGISTRY_KILLS must be at least 2, not ${ROUNDS}`);
/** Every this many rounds, the registry is killed instead of the client. */
const REGISTRY_EVERY = 6;
const registry = sharedRegistry('anonymous');
after(() => registry.stop());
before(() => builtBinary(), { timeout: BUILD_TIMEOUT_MS });

let home: { path: string; remove: () => Promise<void> };
before(async () => {
  home = await tempDir();
});
after(() => home?.remove());

const env = () => ({ PATH: process.env.PATH ?? '', HOME: home.path, OCM_ACTOR: 'ci' });

/** Entry tags of the component: those not marked done, and those marked done. */
async function entries(repo: OcmRepository): Promise<{ open: Set<string>; done: Set<string> }> {
  const tags: string[] = [];
  for await (const page of repo.ociStore(C).tags()) tags.push(...page);
  const done = new Set(
    tags.filter((t) => t.endsWith(DONE_SUFFIX)).map((t) => t.slice(0, -DONE_SUFFIX.length)),
  );
  const open = new Set(tags.filter((t) => t.startsWith(ENTRY_TAG_PREFIX) && !t.endsWith(DONE_SUFFIX)));
  for (const t of done) open.delete(t);
  return { open, done };
}

/**
 * Runs `ocm ARGS` against the proxy and kills the client (or the registry) `delay` ms after the proxy
 * sees the request of the component's repository that `at` picks (n counts them from 1). A run that
 * ends first is not killed.
 */
async function killedRun(
  reg: TestRegistry,
  args: (host: string) => string[],
  at: (method: string, path: string, n: number) => boolean,
  delay: number,
  victim: 'client' | 'registry',
  downMs = 0,
) {
  let seen = 0;
  let fire: (() => void) | undefined;
  const proxy = await startFaultProxy({
    target: reg.host,
    rates: {},
    only: (method, path) => {
      if (path.includes('/component-descriptors/') && at(method, path, ++seen)) fire?.();
      return false;
    },
  });
  try {
    const child = spawn(process.execPath, [binary, ...args(proxy.host)], {
      cwd: home.path,
      env: env(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.stdout.resume();
    let killed: Promise<void> | undefined;
    fire = () => {
      fire = undefined;
      setTimeout(() => {
        if (victim === 'client') child.kill('SIGKILL');
        else killed = reg.kill().then(() => sleep(downMs).then(() => reg.start()));
      }, delay);
    };
    const guard = setTimeout(() => child.kill('SIGKILL'), 60_000);
    const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
      child.on('close', (c, s) => resolve([c, s])),
    );
    clearTimeout(guard);
    fire = undefined;
    await killed;
    return { code, signal, stderr, registryKilled: killed !== undefined, requests: seen };
  } finally {
    await proxy.close();
  }
}

describe('kill -9 of the client or the registry in the middle of registry moves', () => {
  it(`${ROUNDS} rounds of tag and promote: after each kill and rerun, the alias is where the rerun put it, one event per move, nothing untracked, the chain verifies`, {
    timeout: 600_000,
  }, async () => {
    const reg = await registry.get();
    const prefix = `kill${process.pid}`;
    const ref = (host: string) => `${host}/${prefix}//${C}`;
    const journal = new HistoryJournal({ actor: 'setup' });
    let store = reg.open();
    let repo = new OcmRepository(store, { prefix, journal });
    for (const v of ['1.0.0', '1.1.0']) await repo.addComponentVersion(descriptor(v));
    await setStagePolicy(repo, C, 'stages:\n  - name: dev\n  - name: staging\n    from: dev\n');
    await repo.addComponentVersionAlias(C, '1.0.0', 'dev');
    const expected: Record<'dev' | 'staging', string[]> = { dev: ['1.0.0'], staging: [] };
    const landed = { before: 0, midMove: 0, movedNotDone: 0, done: 0, notKilled: 0 };
    let registryKills = 0;
    const clientOutcomes = { completed: 0, failed: 0 };
    for (let round = 0; round < ROUNDS; round++) {
      const promoting = round % 2 === 1;
      const victim = round % REGISTRY_EVERY === 1 ? 'registry' : 'client';
      const dev = expected.dev.at(-1)!;
      const target = promoting ? dev : dev === '1.0.0' ? '1.1.0' : '1.0.0';
      const alias = promoting ? 'staging' : 'dev';
      const args = (host: string) =>
        promoting
          ? ['promote', 'cv', ref(host), '--to', 'staging']
          : ['tag', 'cv', `${ref(host)}:${target}`, 'dev'];
      // A tag makes 8 requests (its entry is the 6th, the alias PUT the 7th, the done mark the 8th), a
      // promotion 10 (6th, 8th, 10th), one in eight also folds: k covers every request of the move.
      // Every fourth round aims at the alias PUT itself, the kill that leaves a move without its mark.
      const aimed = round % 4 === 0;
      const k = 1 + Math.floor(Math.random() * (promoting ? 10 : 8));
      const delay = aimed ? 0 : Math.floor(Math.random() * 6);
      const at = aimed
        ? (method: string, path: string) => method === 'PUT' && path.endsWith(`/manifests/${alias}`)
        : (_method: string, _path: string, n: number) => n === k;
      // The registry stays down 0-4 s: the client's retries (about 3 s) outlast that or not.
      const downMs = Math.floor(Math.random() * 4000);
      const what = `round ${round} (${args('HOST').join(' ')}; ${victim} killed at ${aimed ? 'the alias PUT' : `request ${k}`} + ${delay} ms${victim === 'registry' ? `, down ${downMs} ms` : ''})`;
      const before = await entries(repo);
      if (victim === 'registry') await store.close();
      const run = await killedRun(reg, args, at, delay, victim, downMs);
      if (victim === 'registry') {
        store = reg.open();
        repo = new OcmRepository(store, { prefix, journal });
      }
      try {
        if (victim === 'client' && run.signal !== 'SIGKILL') {
          assert.equal(run.code, 0, `not killed, so it completed: ${run.stderr}`);
          landed.notKilled++;
        } else if (victim === 'registry') {
          registryKills += run.registryKilled ? 1 : 0;
          // Its retries reached the registry again, or it failed with exit 1 and a message with its
          // hint (MOVE_UNCONFIRMED and the like), never a crash.
          if (run.code === 0) clientOutcomes.completed++;
          else {
            assert.equal(run.code, 1, run.stderr);
            assert.match(run.stderr, /^Error: .*\nHint: /m, run.stderr);
            assert.doesNotMatch(run.stderr, /^\s+at /m, run.stderr);
            clientOutcomes.failed++;
          }
        }
        const after = await entries(repo);
        const moved =
          (await repo.resolveComponentVersion(C, alias).catch(() => undefined))?.version === target;
        const open = [...after.open].filter((t) => !before.open.has(t));
        const done = [...after.done].filter((t) => !before.done.has(t));
        if (open.length > 0) {
          landed.midMove++;
          if (moved) landed.movedNotDone++;
        } else if (done.length > 0) landed.done++;
        else landed.before++;

        const rerun = await runNode([binary, ...args(reg.host)], { cwd: home.path, env: env() });
        assert.equal(rerun.code, 0, `the rerun completes: ${rerun.stderr}`);
        expected[alias].push(target);
        for (const a of ['dev', 'staging'] as const) {
          const now = await repo.resolveComponentVersion(C, a).catch(() => undefined);
          assert.equal(now?.version, expected[a].at(-1), `${a} is where the rerun put it`);
        }
        const history = await getAliasHistory(repo, C);
        assert.deepEqual(
          history.filter((e) => e.operation === 'untracked'),
          [],
          'nothing untracked',
        );
        for (const a of ['dev', 'staging'] as const) {
          const mine = (history as HistoryEvent[])
            .filter((e) => e.alias === a)
            .map((e) => `${e.operation}:${e.to?.version}`)
            .reverse();
          const want = expected[a].map((v) => `${a === 'staging' ? 'promote' : 'tag'}:${v}`);
          assert.deepEqual(mine, want, `${a}: one event per completed move, in order`);
        }
        await verifyAliasHistory(repo, C);
      } catch (err) {
        throw new Error(`${what}: ${(err as Error).message}`, { cause: err });
      }
    }
    console.log(
      `# ${ROUNDS} rounds (${registryKills} registry kills: the client completed ${clientOutcomes.completed}, failed ${clientOutcomes.failed}); the kills left no entry ${landed.before}, an entry without its done mark ${landed.midMove} (the alias moved: ${landed.movedNotDone}), a done entry ${landed.done}; the client ended first ${landed.notKilled}`,
    );
    assert.ok(landed.movedNotDone >= 1, 'some kills landed mid-move (alias moved, entry not marked done)');
    assert.ok(registryKills >= 1, 'the registry was killed in some rounds');
    await store.close();
  });
});
