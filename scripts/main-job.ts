/**
 * The main job: a staged release on the CTF ./transport-archive, with the `ocm` CLI (run in-process).
 * Builds the example microservice (examples/checkout) as version 1.0.0, stores its stages document
 * (examples/checkout/stages.yaml), sets dev and promotes through the gates: staging at once, signed
 * there with a fresh release key, prod refused (staging has not held it for the soak; a plain tag is
 * refused too), then, an hour later, promoted with the signature verified. Builds 1.1.0 and takes it through to prod, rolls prod back, and ends with the history,
 * which reads as a release log.
 *
 * The gates' clock is moved forward with OCM_NOW (shown in the transcript) instead of waiting; the
 * history records real times. The story runs once per archive: a rerun finds prod set, changes
 * nothing and shows the same state.
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { run } from '../src/cli/run.js';

const archive = './transport-archive';
const component = 'example.com/shop/checkout';
const ref = `${archive}//${component}`;
const example = (file: string) =>
  relative(process.cwd(), fileURLToPath(new URL(`../examples/checkout/${file}`, import.meta.url)));

async function ocm(
  args: string[],
  options: { env?: Record<string, string>; expect?: number; quiet?: boolean } = {},
): Promise<number> {
  const env = options.env ?? {};
  const shown = Object.entries(env)
    .map(([k, v]) => `${k}=${JSON.stringify(v)} `)
    .join('');
  const sink = { write: () => true };
  const words = args.map((a) => (/[\s"]/.test(a) ? JSON.stringify(a) : a)).join(' ');
  if (!options.quiet) process.stdout.write(`\n$ ${shown}ocm ${words}\n`);
  const code = await run(args, {
    stdout: options.quiet ? sink : process.stdout,
    stderr: options.quiet ? sink : process.stderr,
    env: { ...process.env, ...env },
    cwd: process.cwd(),
    isTTY: process.stderr.isTTY === true,
  });
  if (options.expect !== undefined ? code !== options.expect : code !== 0 && !options.quiet) {
    process.stderr.write(`main job: "ocm ${args.join(' ')}" exited with ${code}\n`);
    process.exit(code === 0 ? 1 : code);
  }
  return code;
}

const say = (text: string) => process.stdout.write(`\n# ${text}\n`);
/** The gates' clock, `minutes` from now. */
const later = (minutes: number) => ({
  OCM_NOW: new Date(Date.now() + minutes * 60_000).toISOString().replace(/\.\d{3}Z$/, 'Z'),
});

const build = (version: string, note: string) =>
  ocm(
    [
      'add',
      'cv',
      '--constructor',
      example('component-constructor.yaml'),
      '--repository',
      archive,
      '--conflict',
      'skip',
    ],
    {
      env: { VERSION: version, RELEASE_NOTE: note },
    },
  );

/**
 * The release key: a fresh RSA pair in a private temporary directory, removed when the job ends.
 * The private key is never printed; the public one is what `--public-key release=...` names.
 */
const keys = mkdtempSync(join(tmpdir(), 'ocm-main-job-'));
process.on('exit', () => rmSync(keys, { recursive: true, force: true }));
const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const privateKeyFile = join(keys, 'release.pem');
const publicKeyFile = join(keys, 'release.pub');
writeFileSync(privateKeyFile, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
writeFileSync(publicKeyFile, publicKey.export({ type: 'spki', format: 'pem' }));
const sign = () =>
  ocm(['sign', 'cv', `${ref}:staging`, '--signature', 'release', '--private-key', privateKeyFile]);
const releaseKey = ['--public-key', `release=${publicKeyFile}`];

await build('1.0.0', 'first release');
// The story moves aliases; it runs once per archive. Once prod exists, a rerun only shows the state.
const done = (await ocm(['get', 'cv', `${ref}:prod`], { quiet: true, expect: undefined })) === 0;
if (!done) {
  await ocm([
    'set',
    'stages',
    ref,
    '--file',
    example('stages.yaml'),
    '-m',
    'release rules',
    '--by',
    'release-lead',
  ]);
  await ocm(['get', 'stages', ref]);
  await ocm(['tag', 'cv', `${ref}:1.0.0`, 'dev']);
  await ocm(['promote', 'cv', ref, '--to', 'staging', '-m', 'ready for QA']);
  say('QA signs what staging holds (a fresh key; staging and dev move to the signed manifest)');
  await sign();
  say('prod is refused: staging has held 1.0.0 for less than the soak (exit 3, nothing changes)');
  await ocm(['promote', 'cv', ref, '--to', 'prod', ...releaseKey], { expect: 3 });
  say('a plain tag cannot go around the gates either (exit 3)');
  await ocm(['tag', 'cv', `${ref}:staging`, 'prod'], { expect: 3 });
  say('an hour later (OCM_NOW moves the clock the gates read)');
  await ocm(['promote', 'cv', ref, '--to', 'prod', '-m', 'first release', ...releaseKey], { env: later(61) });
  await ocm(['get', 'aliases', ref]);
  await ocm(['get', 'cv', `${ref}:prod`]);

  await build('1.1.0', 'new cart');
  await ocm(['tag', 'cv', `${ref}:1.1.0`, 'dev']);
  await ocm(['promote', 'cv', ref, '--to', 'staging', '-m', 'new cart for QA']);
  await sign();
  say('two hours later');
  await ocm(['promote', 'cv', ref, '--to', 'prod', '-m', 'new cart', ...releaseKey], { env: later(121) });
  say('the new cart miscounts: prod goes back to where it was before its last move');
  await ocm(['rollback', 'cv', `${ref}:prod`, '-m', 'cart totals wrong', '--by', 'on-call']);
} else {
  say(`the release story has run on ${archive} already: prod is set; nothing is moved again`);
}
await ocm(['get', 'cv', ref]);
await ocm(['download', 'resource', `${ref}:prod`, 'release-notes']);
process.stdout.write('\n');
await ocm(['get', 'history', ref]);
process.stdout.write('\n');
