/**
 * A child process for the reliability crash tests (test/reliability/crash.test.ts): it loops
 * component-version writes through `OcmRepository` on a CTF (directory, .tar or .tgz, whose every
 * commit is an archive rebuild) until it is killed. Each operation is announced before it starts (`TRY ...`)
 * and acknowledged after it completed (`ACK ...`), both with synchronous writes to stdout, so the
 * parent knows what must be there (acknowledged) and what may be there (tried, not acknowledged).
 *
 *   reliability-worker.ts PATH ROUND
 *
 * Lines:  TRY V version | ACK V version digest        add a version (every 3rd with a local resource)
 *         TRY R version | ACK R version digest        replace an earlier version (old manifest becomes garbage)
 *         TRY A alias version | ACK A alias version digest   move an alias
 *         TRY U alias | ACK U alias                   remove an alias
 *         TRY GC | ACK GC entries blobs               garbage collection with no grace period
 */
import { randomBytes } from 'node:crypto';
import { writeSync } from 'node:fs';
import { CtfStore } from '../../src/ctf/store.js';
import type { Resource } from '../../src/descriptor/index.js';
import { OcmRepository } from '../../src/repository/index.js';
import { descriptor } from './descriptors.js';

export const COMPONENT = 'example.com/reliability/app';
export const ALIASES = ['dev', 'staging', 'prod', 'tmp'] as const;

const [path, roundArg] = process.argv.slice(2);
const round = Number(roundArg);
const say = (line: string) => writeSync(1, `${line}\n`);

const store = await CtfStore.open(path!, { create: true, lockTimeoutMs: 30_000 });
const repo = new OcmRepository(store);
const mine: string[] = [];
for (let i = 0; ; i++) {
  const version = `${round}.${i}.0`;
  say(`TRY V ${version}`);
  const resources: Resource[] = [];
  if (i % 3 === 0) {
    const content = randomBytes(1 + Math.floor(Math.random() * 20_000));
    resources.push(
      await repo.addLocalResource(
        COMPONENT,
        { name: 'payload', version, type: 'blob', relation: 'local', access: { type: 'none' } },
        { content, mediaType: 'application/octet-stream' },
      ),
    );
  }
  const added = await repo.addComponentVersion(descriptor(version, { name: COMPONENT, resources }));
  say(`ACK V ${version} ${added.digest}`);
  mine.push(version);

  const alias = ALIASES[i % 3]!;
  const target = mine[Math.floor(Math.random() * mine.length)]!;
  say(`TRY A ${alias} ${target}`);
  const moved = await repo.addComponentVersionAlias(COMPONENT, target, alias);
  say(`ACK A ${alias} ${moved.version} ${moved.digest}`);

  if (i % 4 === 1) {
    say(`TRY A tmp ${version}`);
    const t = await repo.addComponentVersionAlias(COMPONENT, version, 'tmp');
    say(`ACK A tmp ${t.version} ${t.digest}`);
  }
  if (i % 4 === 3) {
    say('TRY U tmp');
    await repo.removeComponentVersionAlias(COMPONENT, 'tmp').catch((err: { code?: string }) => {
      if (err.code !== 'NOT_FOUND') throw err;
    });
    say('ACK U tmp');
  }
  if (i % 5 === 2 && mine.length > 1) {
    // Replace an older version of this round that carries no resource: its old manifest is garbage now.
    const old = mine[mine.length - 2]!;
    if (Number(old.split('.')[1]) % 3 !== 0) {
      say(`TRY R ${old}`);
      const r = await repo.addComponentVersion(
        descriptor(old, { name: COMPONENT, labels: [{ name: 'note', value: `replaced-${i}` }] }),
        {
          conflict: 'replace',
          moveAliases: true,
        },
      );
      say(`ACK R ${old} ${r.digest}`);
    }
  }
  if (i % 3 === 0) {
    say('TRY GC');
    const report = await store.gc({ graceMs: 0 });
    say(`ACK GC ${report.entries.length} ${report.blobs.length}`);
  }
}
