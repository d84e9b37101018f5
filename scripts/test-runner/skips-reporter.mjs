// A node --test reporter for scripts/test.mjs: appends one JSON line per skipped or todo test,
// {"name", "file", "kind": "skip" | "todo", "reason"}, to the file OCM_TEST_SKIPS_OUT names. It
// writes synchronously, so a run that ends with --test-force-exit loses no line; it prints nothing.
import { appendFileSync } from 'node:fs';

export default async function* skips(source) {
  for await (const event of source) {
    if (event.type !== 'test:pass' && event.type !== 'test:fail') continue;
    const { name, file, skip, todo } = event.data;
    if (skip === undefined && todo === undefined) continue;
    const kind = skip !== undefined ? 'skip' : 'todo';
    const reason = kind === 'skip' ? skip : todo;
    const line = { name, file, kind, reason: typeof reason === 'string' ? reason : '' };
    appendFileSync(process.env.OCM_TEST_SKIPS_OUT, `${JSON.stringify(line)}\n`);
  }
  yield '';
}
