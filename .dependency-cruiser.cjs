/**
 * The layering of docs/architecture.md, enforced by `npm run lint`.
 * Imports point down only:
 *   oci (primitives) < oci/content < ctf (format) < ctf/store, oci/registry < descriptor < repository < open.ts < cli
 * descriptor/ knows no storage; repository/ knows no backend; only open.ts picks one.
 */
const io =
  '^(node:)?(fs|fs/promises|net|http|https|http2|tls|child_process|dgram|dns|os|process|worker_threads|cluster|readline|tty)$';
const primitives = '^src/oci/[^/]+$';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'oci-primitives-no-io',
      comment: 'oci/ primitives are pure: no I/O, no other layer',
      severity: 'error',
      from: { path: primitives },
      to: { pathNot: [primitives, '^node_modules/', '^(node:)?(crypto|stream|buffer|util)$'] },
    },
    {
      name: 'oci-primitives-no-io-modules',
      severity: 'error',
      from: { path: primitives },
      to: { path: io },
    },
    {
      name: 'content-no-io',
      comment: 'oci/content holds capability interfaces: no files, no HTTP',
      severity: 'error',
      from: { path: '^src/oci/content/' },
      to: {
        pathNot: [
          primitives,
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
      to: { path: '^src/(oci/registry|descriptor|repository|cli|open)' },
    },
    {
      name: 'registry-knows-no-ctf-no-ocm',
      severity: 'error',
      from: { path: '^src/oci/registry/' },
      to: { path: '^src/(ctf|descriptor|repository|cli|open)' },
    },
    {
      name: 'descriptor-knows-no-storage',
      severity: 'error',
      from: { path: '^src/descriptor/' },
      to: { path: ['^src/(ctf|oci/registry|oci/content|repository|cli|open)', io] },
    },
    {
      name: 'signing-knows-no-storage',
      comment: 'signing/ works on descriptors and bytes; it never reads a store itself',
      severity: 'error',
      from: { path: '^src/signing/' },
      to: { path: ['^src/(ctf|oci/registry|oci/content|repository|cli|open)', io] },
    },
    {
      name: 'repository-knows-no-backend',
      severity: 'error',
      from: { path: '^src/repository/' },
      to: { path: ['^src/(ctf|oci/registry|cli|open)', io] },
    },
    {
      name: 'constructor-knows-no-backend',
      comment:
        'constructor/ builds component versions through repository/; it may read files, never pick a store',
      severity: 'error',
      from: { path: '^src/constructor/' },
      to: { path: '^src/(ctf|oci/registry|cli)(/|$)' },
    },
    {
      name: 'cli-knows-no-storage-internals',
      severity: 'error',
      from: { path: '^src/cli/' },
      to: { path: '^src/(ctf|oci/registry)/' },
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
