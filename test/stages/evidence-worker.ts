/**
 * A child process that attests one component version COUNT times, for the concurrency tests. Each
 * line it writes names an envelope whose `attest` returned (written synchronously after the call),
 * so the parent knows every write that was reported as landed; a failure is a `FAIL` line.
 *
 *   evidence-worker.ts REPOSITORY VERSION ID COUNT
 */
import { generateKeyPairSync } from 'node:crypto';
import { writeSync } from 'node:fs';
import { openRepository } from '../../src/open.js';
import { attest } from '../../src/stages/evidence/evidence.js';
import { COMPONENT as C } from '../support/descriptors.js';

const [spec, version, id, countArg] = process.argv.slice(2);
const report = (line: string) => writeSync(1, `${line}\n`);
const { privateKey } = generateKeyPairSync('ed25519');
const { repository, close } = await openRepository(spec!, { lockTimeoutMs: 120_000 });
try {
  for (let i = 0; i < Number(countArg); i++) {
    try {
      const r = await attest(
        repository,
        C,
        version!,
        { check: `w${id}`, result: 'passed', passedTests: [`run-${i}`] },
        {
          key: privateKey,
        },
      );
      report(`ENV ${r.digest}`);
    } catch (err) {
      report(`FAIL ${(err as Error).message.replace(/\n/g, ' ')}`);
    }
  }
} finally {
  await close();
}
