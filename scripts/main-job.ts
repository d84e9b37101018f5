/**
 * The main job: a staged release on the CTF ./transport-archive, with the `ocm` CLI (run in-process).
 * Builds the example microservice (examples/checkout) as version 1.0.0, stores its stages document
 * (examples/checkout/stages.yaml, with a trust: list of the keys of ci, alice and bob, generated once
 * into ./keys), sets dev and promotes through the gates: staging at once, signed there with a fresh
 * release key; CI attests that e2e passed there; prod refused (staging has not held it for the soak,
 * no approvals; a plain tag is refused too); alice and bob approve and, an hour later, prod moves
 * with the signature verified. 1.1.0: signed, e2e passes, prod is refused for the missing approvals,
 * alice and bob approve, prod moves; then prod is rolled back. 1.2.0: signed, e2e fails in staging
 * and prod refuses it. Ends with the history, which reads as a release log.
 *
 * The gates' clock is moved forward with OCM_NOW (shown in the transcript) instead of waiting; the
 * history records real times. The story runs once per archive: a rerun finds prod set, changes
 * nothing and shows the same state.
 */
import { generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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
 * The keys of the people and the CI job that sign evidence: generated once into ./keys (private
 * keys mode 600), and the stages document to store: the example's, with their public keys as trust.
 */
function keysAndStages(): string {
  const dir = 'keys';
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const kinds = { ci: 'ec', alice: 'ed25519', bob: 'rsa' } as const;
  const trust = Object.entries(kinds).map(([name, kind]) => {
    const pub = join(dir, `${name}.pub`);
    if (!existsSync(pub)) {
      const pair =
        kind === 'ec'
          ? generateKeyPairSync('ec', { namedCurve: 'prime256v1' })
          : kind === 'rsa'
            ? generateKeyPairSync('rsa', { modulusLength: 2048 })
            : generateKeyPairSync('ed25519');
      writeFileSync(join(dir, `${name}.pem`), pair.privateKey.export({ type: 'pkcs8', format: 'pem' }), {
        mode: 0o600,
      });
      writeFileSync(pub, pair.publicKey.export({ type: 'spki', format: 'pem' }));
    }
    const pem = readFileSync(pub, 'utf8').trim().split('\n');
    return `  - name: ${name}\n    publicKey: |\n${pem.map((l) => `      ${l}\n`).join('')}`;
  });
  const file = 'stages.yaml';
  writeFileSync(file, `trust:\n${trust.join('')}${readFileSync(example('stages.yaml'), 'utf8')}`);
  return file;
}
const key = (name: string) => join('keys', `${name}.pem`);
const e2e = (version: string, result: 'passed' | 'failed', run: number) =>
  ocm([
    'attest',
    'cv',
    `${ref}:staging`,
    '--check',
    'e2e',
    '--result',
    result,
    '--stage',
    'staging',
    '--url',
    `https://ci.example.com/checkout/runs/${run}`,
    ...(result === 'passed' ? ['--passed', 'cart', '--passed', 'payment'] : ['--failed', 'payment']),
    '--key',
    key('ci'),
  ]).then(() => version);
const approveProd = async (version: string, message: string) => {
  for (const who of ['alice', 'bob'])
    await ocm([
      'approve',
      'cv',
      `${ref}:${version}`,
      '--stage',
      'prod',
      '--key',
      key(who),
      '-m',
      `${message} (${who})`,
    ]);
};

/**
 * The release key: a fresh RSA pair in a private temporary directory, removed when the job ends.
 * The private key is never printed; the public one is what `--public-key release=...` names.
 */
const releaseKeys = mkdtempSync(join(tmpdir(), 'ocm-main-job-'));
process.on('exit', () => rmSync(releaseKeys, { recursive: true, force: true }));
const release = generateKeyPairSync('rsa', { modulusLength: 2048 });
const releasePrivate = join(releaseKeys, 'release.pem');
const releasePublic = join(releaseKeys, 'release.pub');
writeFileSync(releasePrivate, release.privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
writeFileSync(releasePublic, release.publicKey.export({ type: 'spki', format: 'pem' }));
const sign = () =>
  ocm(['sign', 'cv', `${ref}:staging`, '--signature', 'release', '--private-key', releasePrivate]);
const releaseKey = ['--public-key', `release=${releasePublic}`];

await build('1.0.0', 'first release');
// The story moves aliases; it runs once per archive. Once prod exists, a rerun only shows the state.
const done = (await ocm(['get', 'cv', `${ref}:prod`], { quiet: true, expect: undefined })) === 0;
if (!done) {
  await ocm(['set', 'stages', ref, '--file', keysAndStages(), '-m', 'release rules', '--by', 'release-lead']);
  await ocm(['get', 'stages', ref]);
  await ocm(['tag', 'cv', `${ref}:1.0.0`, 'dev']);
  await ocm(['promote', 'cv', ref, '--to', 'staging', '-m', 'ready for QA']);
  say('QA signs what staging holds (a fresh key; staging and dev move to the signed manifest)');
  await sign();
  say('CI runs the end-to-end tests in staging and signs the result');
  await e2e('1.0.0', 'passed', 101);
  say('prod is refused: staging has held 1.0.0 for less than the soak, and nobody approved (exit 3)');
  await ocm(['promote', 'cv', ref, '--to', 'prod', ...releaseKey], { expect: 3 });
  say('a plain tag cannot go around the gates either (exit 3)');
  await ocm(['tag', 'cv', `${ref}:staging`, 'prod'], { expect: 3 });
  say('alice and bob approve 1.0.0 for prod');
  await approveProd('1.0.0', 'first release');
  say('an hour later (OCM_NOW moves the clock the gates read)');
  await ocm(
    ['promote', 'cv', ref, '--to', 'prod', '-m', 'first release', ...releaseKey, '--key', key('alice')],
    {
      env: later(61),
    },
  );
  await ocm(['get', 'aliases', ref]);
  await ocm(['get', 'cv', `${ref}:prod`]);

  await build('1.1.0', 'new cart');
  await ocm(['tag', 'cv', `${ref}:1.1.0`, 'dev']);
  await ocm(['promote', 'cv', ref, '--to', 'staging', '-m', 'new cart for QA']);
  await sign();
  await e2e('1.1.0', 'passed', 102);
  say('two hours later: e2e passed, but prod is refused for the missing approvals (exit 3)');
  await ocm(['promote', 'cv', ref, '--to', 'prod', ...releaseKey], { env: later(121), expect: 3 });
  say('alice and bob approve 1.1.0; prod moves');
  await approveProd('1.1.0', 'new cart');
  await ocm(['promote', 'cv', ref, '--to', 'prod', '-m', 'new cart', ...releaseKey, '--key', key('alice')], {
    env: later(121),
  });
  await ocm(['get', 'evidence', `${ref}:prod`]);
  say('the new cart miscounts: prod goes back to where it was before its last move');
  await ocm(['rollback', 'cv', `${ref}:prod`, '-m', 'cart totals wrong', '--by', 'on-call']);

  await build('1.2.0', 'cart totals fixed');
  await ocm(['tag', 'cv', `${ref}:1.2.0`, 'dev']);
  await ocm(['promote', 'cv', ref, '--to', 'staging', '-m', 'cart fix for QA']);
  await sign();
  await e2e('1.2.0', 'failed', 103);
  say('e2e failed on 1.2.0 in staging: prod refuses it, naming the run (exit 3)');
  await ocm(['promote', 'cv', ref, '--to', 'prod', ...releaseKey], { env: later(181), expect: 3 });
} else {
  say(`the release story has run on ${archive} already: prod is set; nothing is moved again`);
}
await ocm(['get', 'cv', ref]);
await ocm(['download', 'resource', `${ref}:prod`, 'release-notes']);
process.stdout.write('\n');
await ocm(['get', 'history', ref]);
process.stdout.write('\n');
