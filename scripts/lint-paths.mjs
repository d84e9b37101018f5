#!/usr/bin/env node
// Fails when a tracked file names a path outside the repository. A user's clone stands alone: the
// project's fixtures live in test/fixtures and its documentation in docs/, so nothing may point at
// the sibling folder of shared material that a working copy may have. Usage: node scripts/lint-paths.mjs
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const root = new URL('..', import.meta.url).pathname;
// The sibling folder a working copy may have and a clone never has (spelt in two parts so that this
// file does not name it).
const sibling = ['..', 'shared'].join('/');
const outside = new RegExp(`${sibling.replace(/\./g, '\\.')}\\b`);
const skip = new Set(['package-lock.json']);
// `git ls-files` lists tracked files and those about to be added, not what .gitignore hides.
const files = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '-z'], {
  cwd: root,
  encoding: 'utf8',
})
  .split('\0')
  .filter((f) => f !== '' && !skip.has(f));

const found = [];
for (const file of files) {
  let text;
  try {
    text = readFileSync(new URL(file, `file://${root}`), 'utf8');
  } catch {
    continue; // deleted in the working tree, or a directory entry
  }
  if (text.includes('\0')) continue; // binary
  text.split('\n').forEach((line, i) => {
    if (outside.test(line)) found.push(`${file}:${i + 1}: ${line.trim().slice(0, 120)}`);
  });
}
if (found.length > 0) {
  console.error(`lint-paths: these lines name a path outside the repository (a clone has no ${sibling}):`);
  for (const f of found) console.error(`  ${f}`);
  process.exit(1);
}
