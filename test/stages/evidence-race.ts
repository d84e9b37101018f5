/**
 * 4 processes attest one version at once; afterwards every envelope whose write was reported as
 * landed is listed, and nothing else is missing (each worker reports each write as it returns).
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { OcmRepository } from '../../src/repository/index.js';
import { listEvidence } from '../../src/stages/evidence/evidence.js';
import { COMPONENT as C } from '../support/descriptors.js';
import { projectRoot } from '../support/paths.js';
import { runTsxWorker } from '../support/spawn.js';

const worker = join(projectRoot, 'test/stages/evidence-worker.ts');

export interface RaceOutcome {
  readonly reported: number;
  readonly listed: number;
  readonly failed: string[];
}

/** Runs `processes` workers attesting `version` `each` times at once; checks the listing. */
export async function raceAttestations(
  spec: string,
  repo: OcmRepository,
  version: string,
  processes: number,
  each: number,
): Promise<RaceOutcome> {
  const runs = await Promise.all(
    Array.from({ length: processes }, (_, id) =>
      runTsxWorker(worker, [spec, version, String(id), String(each)], { cwd: projectRoot }),
    ),
  );
  const reported = new Set<string>();
  const failed: string[] = [];
  for (const r of runs) {
    assert.equal(r.code, 0, r.stderr);
    for (const line of r.lines) {
      if (line.startsWith('ENV ')) reported.add(line.slice(4));
      else failed.push(line);
    }
  }
  const { items } = await listEvidence(repo, C, version);
  const listed = new Set(items.map((i) => i.digest));
  const missing = [...reported].filter((d) => !listed.has(d));
  assert.deepEqual(missing, [], `${missing.length} envelopes reported as written are not listed`);
  return { reported: reported.size, listed: listed.size, failed };
}
