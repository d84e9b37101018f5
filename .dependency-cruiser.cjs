/**
 * The layering of docs/architecture.md, enforced by `npm run lint`. Imports point down only:
 *   errors.ts < oci (primitives) < oci/content < ctf, registry, cache (stores and a store decorator)
 *   descriptor, signing, attestation < repository < stages < open.ts < cli, board
 * descriptor/ knows no storage; repository/ and stages/ know no backend; only open.ts picks one.
 */
const io =
  '^(node:)?(fs|fs/promises|net|http|https|http2|tls|child_process|dgram|dns|os|process|worker_threads|cluster|readline|tty)$';
const primitives = '^src/oci/[^/]+$';
const errors = '^src/errors[.]ts$';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'oci-primitives-no-io',
      comment: 'oci/ primitives are pure: no I/O, no other layer',
      severity: 'error',
      from: { path: primitives },
      to: { pathNot: [primitives, errors, '^node_modules/', '^(node:)?(crypto|stream|buffer|util)$'] },
    },
    {
      name: 'oci-primitives-no-io-modules',
      severity: 'error',
      from: { path: primitives },
      to: { path: io },
    },
    {
      name: 'errors-stand-alone',
      comment: 'the shared error vocabulary imports nothing of ours, so every layer may import it',
      severity: 'error',
      from: { path: errors },
      to: { path: '^src/' },
    },
    {
      name: 'content-no-io',
      comment: 'oci/content holds capability interfaces: no files, no HTTP',
      severity: 'error',
      from: { path: '^src/oci/content/' },
      to: {
        pathNot: [
          primitives,
          errors,
          '^src/oci/content/',
          '^node_modules/',
          '^(node:)?(crypto|stream|stream/promises|buffer|util)$',
        ],
      },
    },
    {
      name: 'ctf-knows-no-registry-no-ocm',
      severity: 'error',
      from: { path: '^src/ctf/' },
      to: { path: '^src/(registry|descriptor|signing|repository|stages|cli|board|open)' },
    },
    {
      name: 'registry-knows-no-ctf-no-ocm',
      severity: 'error',
      from: { path: '^src/registry/' },
      to: { path: '^src/(ctf|descriptor|signing|repository|stages|cli|board|open)' },
    },
    {
      name: 'cache-knows-no-backend-no-ocm',
      comment: 'cache/ decorates any store with a content-addressed cache on disk; it picks no backend',
      severity: 'error',
      from: { path: '^src/cache/' },
      to: { path: '^src/(ctf|registry|descriptor|signing|repository|stages|cli|board|open)' },
    },
    {
      name: 'descriptor-knows-no-storage',
      severity: 'error',
      from: { path: '^src/descriptor/' },
      to: { path: ['^src/(ctf|registry|oci/content|repository|stages|cli|board|open)', io] },
    },
    {
      name: 'signing-knows-no-storage',
      comment: 'signing/ works on descriptors and bytes; it never reads a store itself',
      severity: 'error',
      from: { path: '^src/signing/' },
      to: { path: ['^src/(ctf|registry|oci/content|repository|stages|cli|board|open)', io] },
    },
    {
      name: 'attestation-is-pure',
      comment:
        'attestation/ (DSSE, in-toto statements, evidence keys) works on bytes and keys: it may read oci primitives and descriptor normalisation, nothing stored, no I/O',
      severity: 'error',
      from: { path: '^src/attestation/' },
      to: {
        path: [
          '^src/(ctf|registry|cache|oci/content|signing|repository|stages|constructor|cli|board|open)',
          io,
        ],
      },
    },
    {
      name: 'attestation-reads-only-normalisation',
      severity: 'error',
      from: { path: '^src/attestation/' },
      to: { path: '^src/descriptor/', pathNot: '^src/descriptor/normalisation/' },
    },
    {
      name: 'repository-knows-no-backend',
      severity: 'error',
      from: { path: '^src/repository/' },
      to: { path: ['^src/(ctf|registry|stages|cli|board|open)', io] },
    },
    {
      name: 'stages-know-no-backend',
      comment: 'stages/ (history, policies, promotion, watching) works through repository/ on any store',
      severity: 'error',
      from: { path: '^src/stages/' },
      to: { path: ['^src/(ctf|registry|cli|board|open)', io] },
    },
    {
      name: 'constructor-knows-no-backend',
      comment:
        'constructor/ builds component versions through repository/; it may read files, never pick a store',
      severity: 'error',
      from: { path: '^src/constructor/' },
      to: { path: '^src/(ctf|registry|stages|cli|board)(/|$)' },
    },
    {
      name: 'faces-know-no-storage-internals',
      comment: 'cli/ and board/ reach stores only through open.ts',
      severity: 'error',
      from: { path: '^src/(cli|board)/' },
      to: { path: '^src/(ctf|registry|cache)/' },
    },
    {
      name: 'board-knows-no-cli',
      severity: 'error',
      from: { path: '^src/board/' },
      to: { path: '^src/cli/' },
    },
    {
      name: 'nothing-imports-cli',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/cli/' },
      to: { path: '^src/cli/' },
    },
    {
      name: 'no-circular',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js'] },
  },
};
