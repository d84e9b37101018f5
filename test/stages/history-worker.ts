/**
 * A child process that moves aliases on a CTF with the history journal, for the multi-process and
 * crash tests. Each line it writes is an acknowledged move (written synchronously after the call
 * returned), so a line the parent reads names a move that completed even if the child is killed.
 *
 *   history-worker.ts mover PATH ID COUNT   COUNT moves of alias w<ID>, and every 5th a move of `prod`
 *   history-worker.ts crash PATH ID         moves of alias c<ID> between 1.0.0 and 1.1.0, forever
 *   history-worker.ts registry HOST PREFIX ID COUNT ALIAS [FOLD_EVERY]
 *                                           COUNT moves of ALIAS on a registry (plain HTTP), to
 *                                           1.((ID + i) % 4).0, with message w<ID>-<i>, folding
 *                                           about once in FOLD_EVERY moves (default 8); prints
 *                                           `MOVE w<ID>-<i>` for each move that changed the alias
 */
import { writeSync } from 'node:fs';
import { CtfStore } from '../../src/ctf/store.js';
import { RegistryStore } from '../../src/registry/index.js';
import { OcmRepository } from '../../src/repository/index.js';
import { HistoryJournal } from '../../src/stages/index.js';
import { COMPONENT as C } from '../support/descriptors.js';

const [mode, path, id, countArg] = process.argv.slice(2);
const report = (line: string) => writeSync(1, `${line}\n`);

if (mode === 'registry') {
  const [, host, prefix, writer, count, alias, foldEvery = '8'] = process.argv.slice(2);
  const store = new RegistryStore({ host: host! });
  const repo = new OcmRepository(store, {
    prefix: prefix!,
    journal: new HistoryJournal({ actor: `w${writer}`, foldEvery: Number(foldEvery) }),
  });
  for (let i = 0; i < Number(count); i++) {
    const message = `w${writer}-${i}`;
    const r = await repo.addComponentVersionAlias(C, `1.${(Number(writer) + i) % 4}.0`, alias!, { message });
    if (r.previous?.digest !== r.digest) report(`MOVE ${message}`);
  }
  await store.close();
  process.exit(0);
}

const store = await CtfStore.open(path!, { lockTimeoutMs: 60_000 });
const repo = new OcmRepository(store, { journal: new HistoryJournal({ actor: `worker-${id}` }) });
const versions = ['1.0.0', '1.1.0', '1.2.0'];

if (mode === 'mover') {
  for (let i = 0; i < Number(countArg); i++) {
    const change = await repo.addComponentVersionAlias(C, versions[i % 2]!, `w${id}`);
    report(`MOVE w${id} ${change.digest}`);
    if (i % 5 === 4) {
      const prod = await repo.addComponentVersionAlias(C, versions[Math.floor(Math.random() * 3)]!, 'prod');
      if (prod.previous?.digest !== prod.digest) report(`MOVE prod ${prod.digest}`);
    }
  }
  await store.close();
} else if (mode === 'crash') {
  for (let i = 0; ; i++) {
    const change = await repo.addComponentVersionAlias(C, versions[i % 2]!, `c${id}`);
    // A run starts where the last one may have left the alias: only real moves are events.
    if (change.previous?.digest !== change.digest) report(`MOVE c${id} ${change.digest}`);
  }
} else {
  throw new Error(`unknown mode ${mode}`);
}
