/**
 * The history from the command line: tag/untag with -m/--by, get history (table, relative times on a
 * terminal, yaml/json), get cv --at, rollback cv, transfer --copy-aliases, gc, and the registry case
 * where the append fails after the move (exit 1, says so).
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { parse as parseYaml } from 'yaml';
import { openRepository } from '../../src/open.js';
import { verifyAliasHistory } from '../../src/stages/index.js';
import { ocm } from '../support/cli.js';
import { COMPONENT as C, descriptor } from '../support/descriptors.js';
import { tagForeignHistory } from '../support/history.js';
import { sharedRegistry } from '../support/registry.js';
import { tempDir } from '../support/tmp.js';

async function seeded(path: string, versions = ['1.0.0', '1.1.0', '1.2.0']) {
  const opened = await openRepository(path, { create: true, history: false });
  try {
    for (const v of versions) await opened.repository.addComponentVersion(descriptor(v));
  } finally {
    await opened.close();
  }
}

describe('ocm get history, get cv --at, rollback cv (CTF)', () => {
  it('a promotion story from the CLI: messages, actors, table, json, yaml, filters', async () => {
    const dir = await tempDir();
    try {
      const ctf = join(dir.path, 'ctf');
      await seeded(ctf);
      const run = (args: string[], env: Record<string, string> = {}, tty = false) =>
        ocm(args, { cwd: dir.path, env: { OCM_ACTOR: 'pipeline', ...env }, tty });
      assert.equal((await run(['tag', 'cv', `./ctf//${C}:1.0.0`, 'dev', '-m', 'first build'])).code, 0);
      assert.equal((await run(['tag', 'cv', `./ctf//${C}:dev`, 'staging', '--by', 'alice'])).code, 0);
      assert.equal(
        (await run(['tag', 'cv', `./ctf//${C}:staging`, 'prod', '-m', 'go live', '--by', 'bob'])).code,
        0,
      );
      assert.equal((await run(['tag', 'cv', `./ctf//${C}:1.1.0`, 'dev'])).code, 0);
      assert.equal((await run(['untag', 'cv', `./ctf//${C}:staging`, '-m', 'retired'])).code, 0);

      const json = await run(['get', 'history', `./ctf//${C}`, '-o', 'json']);
      assert.equal(json.code, 0, json.stderr);
      const events = JSON.parse(json.stdout) as Record<string, unknown>[];
      assert.deepEqual(
        events.map((e) => [e.alias, e.operation, e.actor, e.message]),
        [
          ['staging', 'untag', 'pipeline', 'retired'],
          ['dev', 'tag', 'pipeline', null],
          ['prod', 'tag', 'bob', 'go live'],
          ['staging', 'tag', 'alice', null],
          ['dev', 'tag', 'pipeline', 'first build'],
        ],
      );
      assert.deepEqual(Object.keys(events[0]!), [
        'alias',
        'from',
        'to',
        'operation',
        'time',
        'actor',
        'message',
        'tool',
        'previous',
      ]);
      assert.match(String(events[0]!.time), /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/);
      assert.deepEqual(events[1]!.from, {
        version: '1.0.0',
        digest: (events[4]!.to as { digest: string }).digest,
      });

      const table = await run(['get', 'history', `./ctf//${C}`]);
      const lines = table.stdout.trimEnd().split('\n');
      assert.match(lines[0]!, /^TIME\s+ALIAS\s+FROM\s+TO\s+OPERATION\s+BY\s+VERIFIED\s+MESSAGE$/);
      assert.match(lines[2]!, /^\d{4}-\d{2}-\d{2}T\S+\s+dev\s+1\.0\.0\s+1\.1\.0\s+tag\s+pipeline\s+-\s+-$/);
      const tty = await run(['get', 'history', `./ctf//${C}:prod`], {}, true);
      assert.match(tty.stdout, /\d+s ago\s+prod\s+-\s+1\.0\.0\s+tag\s+bob\s+-\s+go live/);
      assert.equal(tty.stdout.trimEnd().split('\n').length, 2, 'only prod');

      const yaml = parseYaml(
        (await run(['get', 'history', `./ctf//${C}`, '--limit', '2', '-o', 'yaml'])).stdout,
      );
      assert.equal(yaml.length, 2);
      assert.equal(yaml[0].operation, 'untag');
      const since = await run(['get', 'history', `./ctf//${C}`, '--since', '2999-01-01', '-o', 'json']);
      assert.deepEqual(JSON.parse(since.stdout), []);
      const bad = await run(['get', 'history', `./ctf//${C}`, '--since', 'last tuesday']);
      assert.equal(bad.code, 1);
      assert.match(bad.stderr, /not a time/);
      assert.equal((await run(['get', 'history', `./ctf//${C}`, '--limit', '0'])).code, 2);
    } finally {
      await dir.remove();
    }
  });

  it('get cv --at and rollback cv', async () => {
    const dir = await tempDir();
    try {
      const ctf = join(dir.path, 'ctf');
      await seeded(ctf);
      const run = (args: string[]) => ocm(args, { cwd: dir.path, env: { OCM_ACTOR: 'ops' } });
      const times: string[] = [];
      for (const v of ['1.0.0', '1.1.0', '1.2.0']) {
        assert.equal((await run(['tag', 'cv', `./ctf//${C}:${v}`, 'prod'])).code, 0);
        const [newest] = JSON.parse((await run(['get', 'history', `./ctf//${C}:prod`, '-o', 'json'])).stdout);
        times.push(newest.time);
      }
      const atFirst = await run(['get', 'cv', `./ctf//${C}:prod`, '--at', times[0]!]);
      assert.equal(atFirst.code, 0, atFirst.stderr);
      assert.match(atFirst.stdout, /\s1\.0\.0\s/);
      const atLast = await run(['get', 'cv', `./ctf//${C}:prod`, '--at', '2999-12-31', '-o', 'json']);
      assert.equal(JSON.parse(atLast.stdout).component.version, '1.2.0');
      const before = await run(['get', 'cv', `./ctf//${C}:prod`, '--at', '2001-01-01']);
      assert.equal(before.code, 1);
      assert.match(before.stderr, /no record of alias prod/);
      assert.equal((await run(['get', 'cv', `./ctf//${C}:prod`, '--at', '31/12/2026'])).code, 1);
      assert.equal((await run(['get', 'cv', `./ctf//${C}`, '--at', '2026-01-01'])).code, 2);

      const back = await run(['rollback', 'cv', `./ctf//${C}:prod`, '-m', 'bad release']);
      assert.equal(back.code, 0, back.stderr);
      assert.match(back.stdout, /prod -> 1\.1\.0 .*\(was 1\.2\.0\)/);
      const again = await run(['rollback', 'cv', `./ctf//${C}:prod`]);
      assert.match(again.stdout, /prod -> 1\.0\.0 .*\(was 1\.1\.0\)/);
      const history = JSON.parse((await run(['get', 'history', `./ctf//${C}:prod`, '-o', 'json'])).stdout);
      assert.deepEqual(
        history
          .slice(0, 2)
          .map((e: { operation: string; message: string | null }) => [e.operation, e.message]),
        [
          ['rollback', null],
          ['rollback', 'bad release'],
        ],
      );
      const tooFar = await run(['rollback', 'cv', `./ctf//${C}:prod`, '--steps', '9']);
      assert.equal(tooFar.code, 1);
      assert.match(tooFar.stderr, /to roll back/);
    } finally {
      await dir.remove();
    }
  });

  it('transfer --copy-aliases copies the history and records transfer events; gc keeps every chunk', {
    timeout: 30_000,
  }, async () => {
    const dir = await tempDir();
    try {
      const src = join(dir.path, 'src');
      await seeded(src, ['1.0.0', '1.1.0']);
      const opened = await openRepository(src, { history: { actor: 'seed' } });
      for (let i = 0; i < 201; i++)
        await opened.repository.addComponentVersionAlias(C, i % 2 ? '1.1.0' : '1.0.0', 'dev');
      await opened.repository.addComponentVersionAlias(C, '1.0.0', 'prod');
      await opened.close();
      const run = (args: string[]) => ocm(args, { cwd: dir.path, env: { OCM_ACTOR: 'mover' } });
      const t = await run(['transfer', 'cv', `./src//${C}:1.0.0`, './dst', '--copy-aliases']);
      assert.equal(t.code, 0, t.stderr);
      const hist = await run(['get', 'history', `./dst//${C}`, '-o', 'json']);
      const copied = JSON.parse(hist.stdout);
      const transferEvents = copied.filter((e: { operation: string }) => e.operation === 'transfer');
      assert.deepEqual(transferEvents.map((e: { alias: string }) => e.alias).sort(), ['dev', 'prod']);
      assert.deepEqual(
        transferEvents.map((e: { actor: string }) => e.actor),
        ['mover', 'mover'],
      );
      assert.deepEqual(
        transferEvents.map((e: { details?: { source?: string } }) => e.details?.source),
        ['./src', './src'],
      );
      assert.equal(
        copied.filter((e: { operation: string }) => e.operation === 'tag').length,
        202,
        'source history',
      );
      // gc drops superseded history manifests and chunks, never a chunk the history names.
      const gc = await run(['gc', './dst']);
      assert.equal(gc.code, 0, gc.stderr);
      const after = await openRepository(join(dir.path, 'dst'));
      try {
        assert.equal((await verifyAliasHistory(after.repository, C)).events, copied.length);
      } finally {
        await after.close();
      }
      const srcGc = await run(['gc', './src']);
      assert.equal(srcGc.code, 0, srcGc.stderr);
      const s = await openRepository(src);
      try {
        assert.equal((await verifyAliasHistory(s.repository, C)).events, 202);
      } finally {
        await s.close();
      }
    } finally {
      await dir.remove();
    }
  });
});

/** A CTF at `src` with 1.0.0 and 1.1.0, dev on the first and prod on the second (with history). */
async function devAndProd(src: string): Promise<void> {
  await seeded(src, ['1.0.0', '1.1.0']);
  const opened = await openRepository(src, { history: { actor: 'seed' } });
  try {
    await opened.repository.addComponentVersionAlias(C, '1.0.0', 'dev');
    await opened.repository.addComponentVersionAlias(C, '1.1.0', 'prod');
  } finally {
    await opened.close();
  }
}

describe('transfer of one version with --copy-aliases: the aliases left behind', () => {
  const registry = sharedRegistry('anonymous');
  after(() => registry.stop());

  it('onto a registry: recorded as not copied, no untracked row', { timeout: 60_000 }, async () => {
    const dir = await tempDir();
    try {
      await devAndProd(join(dir.path, 'src'));
      const target = `${(await registry.get()).host}/left-behind-${process.pid}`;
      const run = (args: string[]) => ocm(args, { cwd: dir.path, env: { OCM_ACTOR: 'mover' } });
      const t = await run(['transfer', 'cv', `./src//${C}:1.0.0`, target, '--copy-aliases']);
      assert.equal(t.code, 0, t.stderr);
      const h = await run(['get', 'history', `${target}//${C}`, '-o', 'json']);
      assert.equal(h.code, 0, h.stderr);
      const rows = JSON.parse(h.stdout) as {
        operation: string;
        alias: string | null;
        to: unknown;
        details?: { notCopied?: boolean };
      }[];
      assert.deepEqual(
        rows.filter((e) => e.operation === 'untracked'),
        [],
        'no untracked row',
      );
      const [prod] = rows.filter((e) => e.alias === 'prod');
      assert.deepEqual([prod?.operation, prod?.to, prod?.details?.notCopied], ['transfer', null, true]);
    } finally {
      await dir.remove();
    }
  });

  it('are recorded as not copied, so the target shows no untracked row; a transfer of every version records none', {
    timeout: 30_000,
  }, async () => {
    const dir = await tempDir();
    try {
      await devAndProd(join(dir.path, 'src'));
      const run = (args: string[]) => ocm(args, { cwd: dir.path, env: { OCM_ACTOR: 'mover' } });
      type Row = {
        operation: string;
        alias: string | null;
        to: { version: string } | null;
        details?: { notCopied?: boolean };
      };
      const history = async (repo: string): Promise<Row[]> => {
        const h = await run(['get', 'history', `./${repo}//${C}`, '-o', 'json']);
        assert.equal(h.code, 0, h.stderr);
        return JSON.parse(h.stdout);
      };

      const one = await run(['transfer', 'cv', `./src//${C}:1.0.0`, './one', '--copy-aliases']);
      assert.equal(one.code, 0, one.stderr);
      const rows = await history('one');
      assert.deepEqual(
        rows.filter((e) => e.operation === 'untracked'),
        [],
        'no untracked row',
      );
      const [prod] = rows.filter((e) => e.alias === 'prod');
      assert.equal(prod?.operation, 'transfer');
      assert.equal(prod?.to, null);
      assert.equal(prod?.details?.notCopied, true);
      const [dev] = rows.filter((e) => e.alias === 'dev');
      assert.equal(dev?.to?.version, '1.0.0');
      // The same transfer again records nothing more.
      assert.equal((await run(['transfer', 'cv', `./src//${C}:1.0.0`, './one', '--copy-aliases'])).code, 0);
      assert.equal((await history('one')).length, rows.length);

      const every = await run(['transfer', 'cv', `./src//${C}`, './every', '--copy-aliases']);
      assert.equal(every.code, 0, every.stderr);
      const all = await history('every');
      assert.deepEqual(
        all.filter((e) => e.operation === 'untracked' || e.details?.notCopied),
        [],
      );
      assert.equal(all.find((e) => e.alias === 'prod')?.to?.version, '1.1.0');
    } finally {
      await dir.remove();
    }
  });
});

describe('ocm tag cv on a registry whose history head is not a history', () => {
  const registry = sharedRegistry('anonymous');
  after(() => registry.stop());

  it('the move is recorded in its own entry and exits 0; the head is left alone and reading it reports it', async () => {
    const reg = await registry.get();
    const repoRef = `${reg.host}/cli${process.pid}`;
    const opened = await openRepository(repoRef, { history: false });
    try {
      for (const v of ['1.0.0', '1.1.0']) await opened.repository.addComponentVersion(descriptor(v));
      // Something that is not a history under the reserved tag: appends refuse to overwrite it.
      await tagForeignHistory(opened.repository.ociStore(C));
      const dir = await tempDir();
      try {
        const r = await ocm(['tag', 'cv', `${repoRef}//${C}:1.1.0`, 'prod', '-m', 'x'], { cwd: dir.path });
        assert.equal(r.code, 0, r.stderr);
        const tags: string[] = [];
        for await (const page of opened.repository.ociStore(C).tags()) tags.push(...page);
        assert.ok(
          tags.some((t) => t.startsWith('_ocm.he.') && t.endsWith('.d')),
          'an entry marked done records the move',
        );
        assert.equal(
          (await opened.repository.resolveComponentVersion(C, 'prod')).version,
          '1.1.0',
          'the move stands',
        );
        const h = await ocm(['get', 'history', `${repoRef}//${C}`], { cwd: dir.path });
        assert.equal(h.code, 1, 'the malformed history is reported');
        assert.match(h.stderr, /alias-history\.config/);
      } finally {
        await dir.remove();
      }
    } finally {
      await opened.close();
    }
  });
});
