/**
 * Crash injection on component-version writes (DESIGN 7, issue 8): a child
 * (test/support/reliability-worker.ts) loops addComponentVersion, alias moves and removals, version
 * replacements and `gc` through OcmRepository on a CTF directory, a .tar and a .tgz (every commit of
 * an archive is a rebuild), and is SIGKILLed at a random moment. After every kill: the index parses strictly,
 * every acknowledged version resolves with its digest and its descriptor and local blobs read, every
 * acknowledged alias resolves to what it was last set to (or to the move in flight), and no alias
 * dangles. Bounded: OCM_RELIABILITY_KILLS rounds per format (default 15), each kill 30-400 ms after
 * the child's first acknowledgement, except every third round, whose kill aims at a `gc` (it is sent
 * as soon as the child announces one); at least one kill must land inside a `gc`. The round seeds
 * are printed on failure.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { extractArchive } from '../../src/ctf/archive.js';
import { ArtifactIndex } from '../../src/ctf/artifact-index.js';
import { CtfStore } from '../../src/ctf/store.js';
import { readAll } from '../../src/oci/content/read.js';
import { OcmRepository } from '../../src/repository/index.js';
import { orAbsent } from '../support/absent.js';
import { projectRoot } from '../support/paths.js';
import { countSetting } from '../support/settings.js';
import { tempDir } from '../support/tmp.js';

const worker = join(projectRoot, 'test/support/reliability-worker.ts');
const KILLS = countSetting('OCM_RELIABILITY_KILLS', 15);
const COMPONENT = 'example.com/reliability/app';

interface Run {
  lines: string[];
  signal: NodeJS.Signals | null;
  stderr: string;
}

/** Runs the worker and kills it `killAfterMs` after its first acknowledgement, or at its first `TRY GC`. */
function runWorker(path: string, round: number, killAfterMs: number, atGc: boolean): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', worker, path, String(round)], {
      cwd: projectRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let stderr = '';
    let timer: NodeJS.Timeout | undefined;
    // A child that never acknowledges anything is killed anyway, and fails the round below.
    const guard = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      if (atGc) {
        if (out.includes('TRY GC')) child.kill('SIGKILL');
      } else if (timer === undefined && out.includes('ACK '))
        timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    });
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
    });
    child.on('error', reject);
    child.on('close', (_code, signal) => {
      clearTimeout(timer);
      clearTimeout(guard);
      resolve({ lines: out.split('\n').filter((l) => l.length > 0), signal, stderr });
    });
  });
}

/** What the parent knows: acknowledged state, and the one operation that may or may not have landed. */
class Expected {
  readonly versions = new Map<string, string>(); // version -> digest
  readonly withBlob = new Set<string>();
  readonly aliases = new Map<string, string>(); // alias -> version
  /** Per name, what an unacknowledged operation may have left (version digest unknown, alias target, removal). */
  readonly pending = new Map<string, string | 'any' | 'removed'>();

  apply(lines: readonly string[]): void {
    this.pending.clear();
    let tried: string[] | undefined;
    for (const line of lines) {
      const parts = line.split(' ');
      if (parts[0] === 'TRY') tried = parts.slice(1);
      else if (parts[0] === 'ACK') {
        tried = undefined;
        const [, kind, a, b] = parts;
        if (kind === 'V' || kind === 'R') this.versions.set(a!, b!);
        else if (kind === 'A') this.aliases.set(a!, b!);
        else if (kind === 'U') this.aliases.delete(a!);
      }
    }
    if (!tried) return;
    const [kind, a, b] = tried;
    if (kind === 'V' || kind === 'R') this.pending.set(`v:${a}`, 'any');
    else if (kind === 'A') this.pending.set(`a:${a}`, b!);
    else if (kind === 'U') this.pending.set(`a:${a}`, 'removed');
  }
}

async function verifyIndexStrictly(path: string, format: 'directory' | 'tar' | 'tgz'): Promise<void> {
  if (format === 'directory') {
    ArtifactIndex.parse(await readFile(join(path, 'artifact-index.json')), { strict: true });
    return;
  }
  const dir = await tempDir('ocm-reliability-extract-');
  try {
    // Extraction verifies every blob against its name, too.
    await extractArchive(path, format, dir.path);
    ArtifactIndex.parse(await readFile(join(dir.path, 'artifact-index.json')), { strict: true });
  } finally {
    await dir.remove();
  }
}

async function verifyRepository(path: string, expected: Expected): Promise<void> {
  const store = await CtfStore.open(path, { mode: 'readonly' });
  try {
    const repo = new OcmRepository(store);
    for (const [version, digest] of expected.versions) {
      const cv = await repo.getComponentVersion(COMPONENT, version);
      assert.equal(cv.descriptor.component.version, version);
      // An operation killed before its acknowledgement either landed or not; from now on it is what is stored.
      if (expected.pending.has(`v:${version}`)) expected.versions.set(version, cv.resolution.digest);
      else assert.equal(cv.resolution.digest, digest, `version ${version} has its acknowledged digest`);
      for (const r of cv.descriptor.component.resources ?? []) {
        const blob = await repo.getLocalResource(COMPONENT, version, { name: r.name });
        await readAll(blob.content, 1024 * 1024); // verified against its digest while read
      }
    }
    for (const [alias, version] of [...expected.aliases]) {
      const pending = expected.pending.get(`a:${alias}`);
      if (pending === 'removed') {
        const still = await orAbsent(repo.resolveComponentVersion(COMPONENT, alias));
        if (still) expected.aliases.set(alias, still.version);
        else expected.aliases.delete(alias);
        continue;
      }
      const got = await repo.getComponentVersion(COMPONENT, alias);
      const allowed = pending === undefined ? [version] : [version, pending];
      assert.ok(
        allowed.includes(got.resolution.version),
        `alias ${alias}: ${got.resolution.version} not in ${allowed}`,
      );
      expected.aliases.set(alias, got.resolution.version);
      const target = await repo.resolveComponentVersion(COMPONENT, got.resolution.version);
      assert.equal(
        got.resolution.digest,
        target.digest,
        `alias ${alias} names the version's current manifest`,
      );
    }
    for (const [key, value] of expected.pending) {
      if (!key.startsWith('a:') || value === 'removed' || value === 'any') continue;
      const alias = key.slice(2);
      if (expected.aliases.has(alias)) continue;
      const landed = await orAbsent(repo.resolveComponentVersion(COMPONENT, alias));
      if (landed) {
        assert.equal(landed.version, value, `alias ${alias} in flight`);
        expected.aliases.set(alias, landed.version);
      }
    }
    expected.pending.clear();
    const listed = await repo.listComponentVersionAliases(COMPONENT);
    for (const info of listed)
      assert.equal(info.problem, undefined, `alias ${info.alias} dangles: ${info.problem}`);
    for (const alias of expected.aliases.keys()) {
      if (expected.pending.get(`a:${alias}`) === 'removed') continue;
      assert.ok(
        listed.some((l) => l.alias === alias),
        `alias ${alias} is listed`,
      );
    }
  } finally {
    await store.close();
  }
}

describe('crash injection: versions, alias moves, gc, archive rebuilds', { concurrency: true }, () => {
  for (const file of ['transport-archive', 'transport-archive.tar', 'transport-archive.tgz']) {
    it(`${file}: ${KILLS} SIGKILLs (some inside a gc) lose no acknowledged version or alias, leave nothing dangling`, {
      timeout: 400_000,
    }, async () => {
      const dir = await tempDir('ocm-reliability-crash-');
      const format = file.endsWith('.tgz') ? 'tgz' : file.endsWith('.tar') ? 'tar' : 'directory';
      const path = join(dir.path, file);
      const expected = new Expected();
      let acks = 0;
      let gcs = 0;
      let killsInGc = 0;
      let round = 0;
      try {
        for (round = 0; round < KILLS; round++) {
          const delay = 30 + Math.floor(Math.random() * 370);
          const run = await runWorker(path, round, delay, round % 3 === 2);
          assert.equal(run.signal, 'SIGKILL', `round ${round}: worker ended by itself: ${run.stderr}`);
          assert.ok(
            run.lines.some((l) => l.startsWith('ACK ')),
            `round ${round}: nothing acknowledged: ${run.stderr}`,
          );
          acks += run.lines.filter((l) => l.startsWith('ACK ')).length;
          gcs += run.lines.filter((l) => l.startsWith('ACK GC')).length;
          if (run.lines.at(-1) === 'TRY GC') killsInGc++;
          expected.apply(run.lines);
          try {
            await verifyIndexStrictly(path, format);
            await verifyRepository(path, expected);
          } catch (err) {
            const last = run.lines.slice(-4).join(' | ');
            throw new Error(
              `round ${round} (killed ${round % 3 === 2 ? 'at its first gc' : `${delay} ms after the first ack`}; last lines: ${last}): ${(err as Error).message}`,
              { cause: err },
            );
          }
        }
        assert.ok(
          expected.versions.size >= KILLS,
          `only ${expected.versions.size} versions in ${KILLS} rounds`,
        );
        console.log(
          `# ${file}: ${KILLS} kills (${killsInGc} inside a gc), ${acks} acknowledged operations, ${expected.versions.size} versions, ${gcs} gc runs`,
        );
        assert.ok(killsInGc >= 1, `no kill of ${KILLS} landed inside a gc`);
      } finally {
        await dir.remove();
      }
    });
  }
});
