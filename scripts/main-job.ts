/**
 * The main job: a staged release on the CTF ./transport-archive, with the `ocm` CLI (run in-process).
 * Builds the example microservice (examples/checkout) as version 1.0.0, sets dev, promotes dev to
 * staging and staging to prod, shows the aliases and what prod resolves to; then builds 1.1.0 and
 * promotes it to dev only, so the stages visibly differ. Running it again changes nothing.
 */
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { run } from '../src/cli/run.js';

const archive = './transport-archive';
const component = 'example.com/shop/checkout';
const ref = `${archive}//${component}`;
const constructorFile = relative(
  process.cwd(),
  fileURLToPath(new URL('../examples/checkout/component-constructor.yaml', import.meta.url)),
);

async function ocm(args: string[], env: Record<string, string> = {}): Promise<void> {
  const shown = Object.entries(env)
    .map(([k, v]) => `${k}=${JSON.stringify(v)} `)
    .join('');
  process.stdout.write(`\n$ ${shown}ocm ${args.join(' ')}\n`);
  const code = await run(args, {
    stdout: process.stdout,
    stderr: process.stderr,
    env: { ...process.env, ...env },
    cwd: process.cwd(),
    isTTY: process.stderr.isTTY === true,
  });
  if (code !== 0) {
    process.stderr.write(`main job: "ocm ${args.join(' ')}" failed with exit code ${code}\n`);
    process.exit(code);
  }
}

const build = (version: string, note: string) =>
  ocm(['add', 'cv', '--constructor', constructorFile, '--repository', archive, '--conflict', 'skip'], {
    VERSION: version,
    RELEASE_NOTE: note,
  });

await build('1.0.0', 'first release');
await ocm(['tag', 'cv', `${ref}:1.0.0`, 'dev']);
await ocm(['tag', 'cv', `${ref}:dev`, 'staging']);
await ocm(['tag', 'cv', `${ref}:staging`, 'prod']);
await ocm(['get', 'aliases', ref]);
await ocm(['get', 'cv', `${ref}:prod`]);
await build('1.1.0', 'new cart');
await ocm(['tag', 'cv', `${ref}:1.1.0`, 'dev']);
await ocm(['get', 'cv', ref]);
await ocm(['download', 'resource', `${ref}:prod`, 'release-notes']);
process.stdout.write('\n');
