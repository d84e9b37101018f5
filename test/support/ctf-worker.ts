/**
 * A child process that writes to a CTF, for the crash and multi-process tests. It reports every
 * operation that completed with a synchronous write to stdout, so a line the parent reads is an
 * acknowledged operation even when the child is killed right after.
 *
 *   ctf-worker.ts crash  PATH ID          push blob, config, manifest; tag it; move `latest`; forever
 *   ctf-worker.ts tagger PATH ID COUNT    COUNT tag/untag operations on manifests `seed-0..9`
 *   ctf-worker.ts race   PATH ID ROUNDS   each round r: move alias `prod` from 1.0.r to 1.0.(r+1) with expect
 */
import { randomBytes } from 'node:crypto';
import { writeSync } from 'node:fs';
import { CtfStore } from '../../src/ctf/store.js';
import { AliasConflictError, OcmRepository } from '../../src/repository/index.js';
import { blob, manifest } from './content.js';

const [mode, path, id, countArg] = process.argv.slice(2);
const report = (line: string) => writeSync(1, `${line}\n`);
const store = await CtfStore.open(path!, { create: true, lockTimeoutMs: 30_000 });
const repo = store.repository('stress/app');

if (mode === 'crash') {
  const config = blob('{}', 'application/vnd.oci.empty.v1+json');
  for (let i = 0; ; i++) {
    const layer = blob(randomBytes(1 + Math.floor(Math.random() * 32768)));
    const m = manifest([layer], config, `${id}-${i}`);
    await repo.push(layer.descriptor, layer.bytes);
    await repo.push(config.descriptor, config.bytes);
    await repo.push(m.descriptor, m.bytes);
    await repo.tag(m.descriptor, `w${id}-${i}`);
    report(`DONE w${id}-${i} ${m.descriptor.digest}`);
    await repo.tag(m.descriptor, 'latest');
    report(`LATEST ${m.descriptor.digest}`);
  }
} else if (mode === 'tagger') {
  const seeds = await Promise.all(Array.from({ length: 10 }, (_, k) => repo.resolve(`seed-${k}`)));
  const mine: string[] = [];
  for (let j = 0; j < Number(countArg); j++) {
    if (j % 3 === 2 && mine.length > 0) {
      const tag = mine.splice(Math.floor(Math.random() * mine.length), 1)[0]!;
      await repo.untag(tag);
      report(`UNTAG ${tag}`);
    } else {
      const tag = `p${id}-${j % 40}`;
      const target = seeds[Math.floor(Math.random() * seeds.length)]!;
      await repo.tag(target, tag);
      if (!mine.includes(tag)) mine.push(tag);
      report(`TAG ${tag} ${target.digest}`);
    }
  }
  await store.close();
} else if (mode === 'race') {
  const ocm = new OcmRepository(store);
  for (let r = 0; r < Number(countArg); r++) {
    try {
      await ocm.addComponentVersionAlias('example.com/race/app', `1.0.${r + 1}`, 'prod', {
        expect: `1.0.${r}`,
      });
      report(`WIN ${r}`);
    } catch (err) {
      if (!(err instanceof AliasConflictError)) throw err;
      report(`CONFLICT ${r}`);
    }
  }
  await store.close();
} else {
  throw new Error(`unknown mode ${mode}`);
}
