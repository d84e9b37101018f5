#!/usr/bin/env node
// Builds the stage board's page into dist/board/assets (or the folder given): one esbuild bundle of
// src/board/page/main.ts, the stylesheet and index.html. No CDN and nothing fetched at run time: the
// assets ship in the package. Usage: node scripts/build-board.mjs [OUT_DIR]
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';

const root = new URL('..', import.meta.url).pathname;
const out = process.argv[2] ?? join(root, 'dist', 'board', 'assets');
const page = join(root, 'src', 'board', 'page');
mkdirSync(out, { recursive: true });
await build({
  entryPoints: [join(page, 'main.ts')],
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: ['chrome110', 'firefox110', 'safari16'],
  minify: true,
  outfile: join(out, 'board.js'),
  logLevel: 'warning',
});
for (const f of ['index.html', 'board.css']) copyFileSync(join(page, f), join(out, f));
