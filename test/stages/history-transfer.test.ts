/**
 * Whole-repository transfer with `--copy-aliases` and `--jobs`: every version and every `transfer`
 * event lands in every run, and a rerun after a partial copy adds the aliases and events that are
 * missing (and nothing when nothing is).
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { openRepository } from '../../src/open.js';
import { transferComponentVersion } from '../../src/repository/index.js';
import { verifyAliasHistory } from '../../src/stages/index.js';
import { ocm } from '../support/cli.js';
import { COMPONENT, descriptor } from '../support/descriptors.js';
import { tempDir } from '../support/tmp.js';

const OTHER = 'example.com/shop/cart';
const VERSIONS = ['1.0.0', '1.1.0', '1.2.0', '1.3.0', '1.4.0', '1.5.0'];
const ALIASES: Record<string, Record<string, string>> = {
  [COMPONENT]: { dev: '1.5.0', qa: '1.4.0', staging: '1.3.0', prod: '1.2.0', old: '1.0.0' },
  [OTHER]: { dev: '1.1.0', prod: '1.0.0' },
};

async function seed(path: string): Promise<void> {
  const opened = await openRepository(path, { create: true, history: { actor: 'seed' } });
  try {
    for (const component of [COMPONENT, OTHER])
      for (const v of component === OTHER ? VERSIONS.slice(0, 2) : VERSIONS)
        await opened.repository.addComponentVersion(descriptor(v, { name: component }));
    for (const [component, aliases] of Object.entries(ALIASES))
      for (const [alias, v] of Object.entries(aliases))
        await opened.repository.addComponentVersionAlias(component, v, alias);
  } finally {
    await opened.close();
  }
}

interface Event {
  alias: string | null;
  operation: string;
  to: { version: string } | null;
  details?: { notCopied?: boolean };
}

/** Each component's versions, aliases and `transfer` events in the CTF at `path`, history verified. */
async function contents(dir: string, path: string) {
  const out: Record<string, { versions: string[]; aliases: string[]; transfers: string[] }> = {};
  notCopied.length = 0;
  const opened = await openRepository(join(dir, path));
  try {
    for (const component of [COMPONENT, OTHER]) {
      await verifyAliasHistory(opened.repository, component);
      const { versions, aliases } = await opened.repository.listComponentVersionsAndAliases(component);
      const history = await ocm(['get', 'history', `./${path}//${component}`, '-o', 'json'], { cwd: dir });
      assert.equal(history.code, 0, history.stderr);
      const events = JSON.parse(history.stdout) as Event[];
      out[component] = {
        versions: versions.sort(),
        aliases: aliases.map((a) => `${a.alias}=${a.version}`),
        transfers: events
          .filter((e) => e.operation === 'transfer' && e.details?.notCopied !== true)
          .map((e) => `${e.alias}=${e.to?.version}`)
          .sort(),
      };
      for (const e of events) if (e.details?.notCopied) notCopied.push(`${component}:${e.alias}`);
    }
  } finally {
    await opened.close();
  }
  return out;
}
/** The aliases the last `contents` found recorded as not copied (a transfer of one version). */
const notCopied: string[] = [];

function expected() {
  const out: Record<string, { versions: string[]; aliases: string[]; transfers: string[] }> = {};
  for (const [component, aliases] of Object.entries(ALIASES)) {
    const pairs = Object.entries(aliases)
      .map(([a, v]) => `${a}=${v}`)
      .sort();
    out[component] = {
      versions: component === OTHER ? VERSIONS.slice(0, 2) : VERSIONS,
      aliases: pairs,
      transfers: pairs,
    };
  }
  return out;
}

describe('transfer cv CTF -> CTF with --jobs and --copy-aliases', () => {
  it('every version and every transfer event, in each of 10 runs with --jobs 4', {
    timeout: 120_000,
  }, async () => {
    const dir = await tempDir();
    try {
      await seed(join(dir.path, 'src'));
      for (let run = 0; run < 10; run++) {
        const target = `dst${run}`;
        const r = await ocm(['transfer', 'cv', './src', `./${target}`, '--copy-aliases', '--jobs', '4'], {
          cwd: dir.path,
        });
        assert.equal(r.code, 0, `run ${run}: ${r.stderr}`);
        assert.match(r.stdout, /2 components, 8 versions: 8 copied;/);
        assert.deepEqual(await contents(dir.path, target), expected(), `run ${run}`);
      }
    } finally {
      await dir.remove();
    }
  });

  it('a rerun after a partial copy adds the missing aliases and events, then nothing', {
    timeout: 60_000,
  }, async () => {
    const dir = await tempDir();
    try {
      await seed(join(dir.path, 'src'));
      // The partial copy: one version with its alias and the history, then the rest of the versions
      // and `prod` moved without their events (as an interrupted run leaves them).
      const first = await ocm(['transfer', 'cv', `./src//${COMPONENT}:1.0.0`, './dst', '--copy-aliases'], {
        cwd: dir.path,
      });
      assert.equal(first.code, 0, first.stderr);
      const source = await openRepository(join(dir.path, 'src'), { readOnly: true });
      const bare = await openRepository(join(dir.path, 'dst'), { history: false });
      try {
        for (const v of VERSIONS.slice(1))
          await transferComponentVersion(source.repository, bare.repository, COMPONENT, v);
        await bare.repository.addComponentVersionAlias(COMPONENT, '1.2.0', 'prod');
      } finally {
        await source.close();
        await bare.close();
      }
      const partial = await contents(dir.path, 'dst');
      assert.deepEqual(partial[COMPONENT]!.aliases, ['old=1.0.0', 'prod=1.2.0']);
      assert.deepEqual(partial[COMPONENT]!.transfers, ['old=1.0.0']);
      // The first run copied one version: the aliases its history names elsewhere are recorded as not
      // copied; the whole-repository rerun then sets them, each with its transfer event.
      assert.deepEqual(
        notCopied.sort(),
        Object.entries(ALIASES[COMPONENT]!)
          .filter(([, v]) => v !== '1.0.0')
          .map(([a]) => `${COMPONENT}:${a}`)
          .sort(),
      );

      const rerun = await ocm(['transfer', 'cv', './src', './dst', '--copy-aliases'], { cwd: dir.path });
      assert.equal(rerun.code, 0, rerun.stderr);
      assert.match(
        rerun.stdout,
        /checkout:1\.2\.0 unchanged \(.*aliases prod\)/,
        'the recorded event is reported',
      );
      assert.doesNotMatch(rerun.stdout, /checkout:1\.1\.0/, 'nothing to say about a version without aliases');
      assert.deepEqual(await contents(dir.path, 'dst'), expected());

      const again = await ocm(['transfer', 'cv', './src', './dst', '--copy-aliases'], { cwd: dir.path });
      assert.equal(again.code, 0, again.stderr);
      assert.match(again.stdout, /^2 components, 8 versions: 0 copied, 8 unchanged;/);
      assert.deepEqual(await contents(dir.path, 'dst'), expected(), 'no second event');
    } finally {
      await dir.remove();
    }
  });
});
