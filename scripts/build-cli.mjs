#!/usr/bin/env node
// Builds the `ocm` binary into dist/bin: one esbuild bundle of src/cli/main.ts, split at the
// commands' dynamic imports so that a command loads only what it uses.
//
// The dependencies (yaml, ajv, semver, tar-stream) are bundled in rather than loaded from
// node_modules: resolving and reading their ~200 small files cost every command 70-100 ms before
// its first request (`ocm transfer cv` of 11 bytes to a registry: 262 ms -> 215 ms; `ocm get cv` on
// a CTF: 342 ms -> 246 ms; 2026-12-06, this machine). A single file without splitting saves another
// ~40 ms on commands that work but costs `ocm version` as much, so the split stays. The library
// (dist/index.js, built by tsc) still imports its dependencies from node_modules.
//
// The output folder is emptied first: chunk names carry content hashes, and stale chunks would pile
// up. Usage: node scripts/build-cli.mjs [OUT_DIR]
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';

const root = new URL('..', import.meta.url).pathname;
const out = process.argv[2] ?? join(root, 'dist', 'bin');
rmSync(out, { recursive: true, force: true });
await build({
  entryPoints: [join(root, 'src', 'cli', 'main.ts')],
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  outdir: out,
  logLevel: 'warning',
  // The bundled CommonJS dependencies call `require` for Node's built-in modules; an ES module has
  // none, so each chunk gets one (esbuild's shim uses it when it exists).
  banner: {
    js: "import { createRequire as __ocmCreateRequire } from 'node:module'; const require = __ocmCreateRequire(import.meta.url);",
  },
});
