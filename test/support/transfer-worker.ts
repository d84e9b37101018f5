/**
 * A child process for kill -9 tests of recursive transfer:
 *   node --import tsx transfer-worker.ts SOURCE LOOKUP TARGET COMPONENT VERSION
 * prints `version N/TOTAL component:version` before each version it copies, then `done`.
 */
import { openRepository } from '../../src/open.js';
import { transferComponentVersionRecursive } from '../../src/repository/transfer-tree.js';

const [source, lookup, target, component, version] = process.argv.slice(2) as [
  string,
  string,
  string,
  string,
  string,
];
const from = await openRepository(source);
const other = await openRepository(lookup);
const to = await openRepository(target, { create: true });
try {
  await transferComponentVersionRecursive(from.repository, to.repository, component, version, {
    lookup: [other.repository],
    onVersion: (e) => process.stdout.write(`version ${e.index + 1}/${e.total} ${e.component}:${e.version}\n`),
  });
  process.stdout.write('done\n');
} finally {
  await Promise.all([from.close(), other.close(), to.close()]);
}
