/**
 * Policies on every path, on a CTF and on a real registry: `untag cv` of a gated stage is refused
 * like `tag cv` (exit 3, `--force` recorded), the library's alias operations check the gates of the
 * stored stages document (explicit `force`, recorded), and `transfer --copy-aliases` copies the
 * stages document with the history, or keeps the target's own and says so.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { CtfStore } from '../../src/ctf/store.js';
import { openRepository } from '../../src/open.js';
import { OcmRepository } from '../../src/repository/index.js';
import { getStagePolicy, setStagePolicy } from '../../src/stages/index.js';
import { ocm } from '../support/cli.js';
import { COMPONENT as C, descriptor } from '../support/descriptors.js';
import { sharedRegistry } from '../support/registry.js';
import { stagesDocument } from '../support/stages.js';
import { tempDir } from '../support/tmp.js';

const refused = (err: unknown) => (err as { code?: string }).code === 'POLICY_REFUSED';

interface Event {
  alias: string | null;
  operation: string;
  to: { version: string } | null;
  details?: Record<string, unknown>;
}

/** Two versions, the stages document, dev -> 1.0.0, staging and prod -> 1.0.0 (forced). */
async function seed(ref: string): Promise<string> {
  const { repository, close } = await openRepository(ref, { create: true });
  try {
    for (const v of ['1.0.0', '1.1.0']) await repository.addComponentVersion(descriptor(v));
    const set = await setStagePolicy(repository, C, stagesDocument({ freeze: false }));
    await repository.addComponentVersionAlias(C, '1.0.0', 'dev');
    for (const stage of ['staging', 'prod'])
      await repository.addComponentVersionAlias(C, '1.0.0', stage, { force: true });
    return set.digest;
  } finally {
    await close();
  }
}

function backends() {
  const registry = sharedRegistry('anonymous');
  after(() => registry.stop());
  let n = 0;
  return [
    { name: 'CTF', ref: async (dir: string) => join(dir, `ctf${n++}`) },
    { name: 'registry', ref: async () => `${(await registry.get()).host}/policy${n++}` },
  ];
}

for (const backend of backends()) {
  describe(`policies on every path (${backend.name})`, () => {
    const history = async (cwd: string, ref: string) => {
      const r = await ocm(['get', 'history', `${ref}//${C}`, '-o', 'json'], { cwd });
      assert.equal(r.code, 0, r.stderr);
      return JSON.parse(r.stdout) as Event[];
    };

    it('untag cv of a gated stage is refused (exit 3); --force removes it, recorded as forced', async () => {
      const dir = await tempDir();
      try {
        const ref = await backend.ref(dir.path);
        const policy = await seed(ref);
        const untag = await ocm(['untag', 'cv', `${ref}//${C}:prod`], { cwd: dir.path });
        assert.equal(untag.code, 3, untag.stderr);
        assert.match(untag.stderr, /prod is a stage with promotion gates; removing it would go around them/);
        assert.match(untag.stderr, /--force/);
        const ungated = await ocm(['untag', 'cv', `${ref}//${C}:dev`], { cwd: dir.path });
        assert.equal(ungated.code, 0, ungated.stderr);
        const forced = await ocm(['untag', 'cv', `${ref}//${C}:prod`, '--force'], { cwd: dir.path });
        assert.equal(forced.code, 0, forced.stderr);
        const [newest, before] = await history(dir.path, ref);
        assert.deepEqual(
          [newest!.alias, newest!.operation, newest!.details],
          ['prod', 'untag', { forced: true, policy }],
        );
        assert.deepEqual([before!.alias, before!.operation, before!.details], ['dev', 'untag', undefined]);
      } finally {
        await dir.remove();
      }
    });

    it('the library moves and removes a gated stage only with force, and records it', async () => {
      const dir = await tempDir();
      try {
        const ref = await backend.ref(dir.path);
        const policy = await seed(ref);
        const { repository, close } = await openRepository(ref);
        try {
          await assert.rejects(repository.addComponentVersionAlias(C, '1.1.0', 'prod'), refused);
          await assert.rejects(repository.removeComponentVersionAlias(C, 'staging'), refused);
          assert.equal((await repository.resolveComponentVersion(C, 'prod')).version, '1.0.0');
          assert.equal((await repository.resolveComponentVersion(C, 'staging')).version, '1.0.0');
          await repository.addComponentVersionAlias(C, '1.1.0', 'dev');
          await repository.addComponentVersionAlias(C, '1.1.0', 'prod', {
            force: true,
            details: { ticket: 7 },
          });
          await repository.removeComponentVersionAlias(C, 'staging', { force: true });
        } finally {
          await close();
        }
        const [removed, moved, ungated] = await history(dir.path, ref);
        assert.deepEqual(
          [removed!.alias, removed!.operation, removed!.details],
          ['staging', 'untag', { forced: true, policy }],
        );
        assert.deepEqual(
          [moved!.alias, moved!.to?.version, moved!.details],
          ['prod', '1.1.0', { ticket: 7, forced: true, policy }],
        );
        assert.deepEqual([ungated!.alias, ungated!.details], ['dev', undefined]);
      } finally {
        await dir.remove();
      }
    });

    it("transfer --copy-aliases copies the stages document with the history, or keeps the target's own and says so", {
      timeout: 60_000,
    }, async () => {
      const dir = await tempDir();
      try {
        const src = join(dir.path, 'src');
        const policy = await seed(src);
        // Onto a target without a document: the source's comes along, so the `policy` event names it.
        const target = await backend.ref(dir.path);
        const t = await ocm(['transfer', 'cv', `./src//${C}`, target, '--copy-aliases'], { cwd: dir.path });
        assert.equal(t.code, 0, t.stderr);
        assert.doesNotMatch(t.stderr, /keeps its own/);
        const events = await history(dir.path, target);
        const policyEvent = events.find((e) => e.operation === 'policy');
        const copied = await openRepository(target);
        try {
          assert.equal((await getStagePolicy(copied.repository, C))?.digest, policy);
          assert.equal(policyEvent?.details?.document, policy);
        } finally {
          await copied.close();
        }
        assert.deepEqual(
          events
            .filter((e) => e.operation === 'transfer')
            .map((e) => e.alias)
            .sort(),
          ['dev', 'prod', 'staging'],
        );

        // Onto a target with its own document: it is kept, and its gates hold for the copied aliases.
        const own = await backend.ref(dir.path);
        const ownDoc = 'stages:\n  - name: dev\n  - name: prod\n    from: dev\n';
        const opened = await openRepository(own, { create: true });
        let ownDigest: string;
        try {
          await opened.repository.addComponentVersion(descriptor('0.9.0'));
          ownDigest = (await setStagePolicy(opened.repository, C, ownDoc)).digest;
        } finally {
          await opened.close();
        }
        const refusedCopy = await ocm(['transfer', 'cv', `./src//${C}:1.0.0`, own, '--copy-aliases'], {
          cwd: dir.path,
        });
        assert.equal(refusedCopy.code, 3, refusedCopy.stderr);
        assert.match(refusedCopy.stderr, /the target keeps its own stages document/);
        assert.match(refusedCopy.stderr, /prod is a stage with promotion gates/);
        const forced = await ocm(['transfer', 'cv', `./src//${C}:1.0.0`, own, '--copy-aliases', '--force'], {
          cwd: dir.path,
        });
        assert.equal(forced.code, 0, forced.stderr);
        assert.match(forced.stderr, /note: .*the target keeps its own stages document/);
        const kept = await openRepository(own);
        try {
          assert.equal((await getStagePolicy(kept.repository, C))?.digest, ownDigest);
        } finally {
          await kept.close();
        }
        const transfers = (await history(dir.path, own)).filter((e) => e.operation === 'transfer');
        const details = Object.fromEntries(transfers.map((e) => [e.alias, e.details]));
        assert.deepEqual(details.prod, { source: './src', forced: true, policy: ownDigest });
        assert.deepEqual(details.staging, { source: './src' }, 'not a stage of the target');
        assert.deepEqual(details.dev, { source: './src' });
      } finally {
        await dir.remove();
      }
    });
  });
}

describe('an OcmRepository built by hand has no policy', () => {
  it('moves a gated stage without force, as documented', async () => {
    const dir = await tempDir();
    try {
      const ref = join(dir.path, 'ctf');
      await seed(ref);
      const store = await CtfStore.open(ref);
      try {
        const bare = new OcmRepository(store);
        assert.equal((await bare.addComponentVersionAlias(C, '1.1.0', 'prod')).version, '1.1.0');
      } finally {
        await store.close();
      }
    } finally {
      await dir.remove();
    }
  });
});
