import type { Command } from './types.js';

/**
 * The commands: metadata here, implementations loaded on first use, so that `ocm version` and
 * `--help` start without loading the storage and descriptor layers.
 */
export const commands: readonly Command[] = [
  {
    name: 'add cv',
    summary: 'build component versions from a component constructor and store them',
    usage: `add cv [--constructor component-constructor.yaml] [--repository ./transport-archive] [--conflict abort|replace|skip]

  Reads the constructor (one component, or a components: list), packs its file, dir and utf8
  inputs as local blobs, and stores each version. \${VAR} in the constructor comes from the
  environment. Input paths are relative to the constructor and may not leave its directory.

      --constructor FILE     default component-constructor.yaml
      --repository REPO      a CTF path (created when missing) or a registry; default ./transport-archive
      --conflict POLICY      when a version exists: abort (default, before anything is written),
                             replace, or skip
      --move-aliases         with replace: move the aliases of the old content to the new
  -o, --output FORMAT        table (default) or json`,
    options: {
      constructor: { type: 'string' as const },
      repository: { type: 'string' },
      conflict: { type: 'string' },
      'move-aliases': { type: 'boolean' },
      output: { type: 'string', short: 'o' },
    },
    load: () => import('./add.js').then((m) => m.runAddCv),
  },
  {
    name: 'get cv',
    summary: 'show a component version, or the versions of a component with their aliases',
    usage: `get cv REPOSITORY//COMPONENT[:VERSION|:ALIAS] [-o table|yaml|json] [--latest] [--semver-constraint C] [--verify]
       get cv REPOSITORY//COMPONENT:VERSION|ALIAS --recursive [--lookup REPOSITORY...]
       get cv REPOSITORY//COMPONENT:ALIAS --watch [--interval 30s] [--exec CMD] [-o json]
       get cv REPOSITORY//COMPONENT:ALIAS --at TIME

  With a version or alias: the component version (a table row, or its descriptor with -o yaml/json).
  Without: every version, newest first, with the aliases that point at it.
  With --watch: one line per move of the alias (JSON lines with -o json) until SIGINT or SIGTERM.

  -o, --output FORMAT        table (default), yaml or json
      --latest               only the highest version (pre-releases included)
  -c, --semver-constraint C  only versions matching C, e.g. ">=1.2 <2"
      --verify               fetch each listed version and drop those that are not what their tag says
  -r, --recursive            the tree of component references: COMPONENT, VERSION, DIGEST, REFERENCE NAME
                             (indented; nested with -o json|yaml); a version reached twice is shown once
      --lookup REPOSITORY    with -r: where to look for referenced versions the repository does not
                             hold (repeatable, in order)
      --watch                follow the alias: one line per move; a registry is asked once per interval
                             (one HEAD), a CTF is watched through the file system
      --interval D           time between looks with --watch: 30s (default), 500ms, 2m, ...
      --exec CMD             with --watch: run sh -c CMD after each move, with OCM_COMPONENT, OCM_ALIAS,
                             OCM_VERSION, OCM_DIGEST and OCM_PREVIOUS_VERSION set (empty when none)
      --at TIME              the version the alias pointed at then, from its history: RFC 3339
                             (2026-01-31T12:00:00Z) or a date (2026-01-31, its first instant in UTC)`,
    options: {
      output: { type: 'string', short: 'o' },
      latest: { type: 'boolean' },
      'semver-constraint': { type: 'string', short: 'c' },
      verify: { type: 'boolean' },
      recursive: { type: 'boolean', short: 'r' },
      lookup: { type: 'string', multiple: true },
      watch: { type: 'boolean' },
      interval: { type: 'string' },
      exec: { type: 'string' },
      at: { type: 'string' },
    },
    load: async () => (ctx, args) =>
      ['watch', 'interval', 'exec'].some((o) => args.values[o] !== undefined)
        ? import('./watch.js').then((m) => m.runWatchCv(ctx, args))
        : import('./get.js').then((m) => m.runGetCv(ctx, args)),
  },
  {
    name: 'get aliases',
    summary: 'list the aliases of a component: alias, version, digest',
    usage: `get aliases REPOSITORY//COMPONENT [-o table|yaml|json]

  -o, --output FORMAT   table (default), yaml or json`,
    options: { output: { type: 'string', short: 'o' } },
    load: () => import('./get.js').then((m) => m.runGetAliases),
  },
  {
    name: 'tag cv',
    summary: 'point one or more aliases at a component version (adding or moving them)',
    usage: `tag cv REPOSITORY//COMPONENT:VERSION|ALIAS ALIAS [ALIAS...] [--expect VERSION|DIGEST|absent]

  Each alias is set to the version the reference names now (a snapshot: tagging from an alias
  copies where it points, it does not link). Nothing is uploaded; digests and signatures stay.

      --expect X   move only if the alias still points at version or digest X, or,
                   with "absent", only if it does not exist yet (fails otherwise, changing nothing)
      --force      move a stage that has promotion gates (refused otherwise, exit 3: use ocm promote);
                   the history records the move as forced
  -m, --message M  why, kept in the alias history (ocm get history)
      --by ACTOR   who, kept in the history; default OCM_ACTOR, else the CI user and run, else user@host
      --key FILE   sign the history event with this private key (ECDSA P-256, Ed25519, RSA PEM;
                   default OCM_SIGNING_KEY): the move's author is proven, not declared`,
    options: {
      expect: { type: 'string' },
      force: { type: 'boolean' },
      message: { type: 'string', short: 'm' },
      by: { type: 'string' },
      key: { type: 'string' },
    },
    load: () => import('./tag.js').then((m) => m.runTagCv),
  },
  {
    name: 'untag cv',
    summary: 'remove aliases; the versions and their other tags stay',
    usage: `untag cv REPOSITORY//COMPONENT:ALIAS [REPOSITORY//COMPONENT:ALIAS...] [--expect VERSION|DIGEST] [--force]

      --expect X   remove only if the alias still points at version or digest X
      --force      remove a stage that has promotion gates (refused otherwise, exit 3);
                   the history records the removal as forced
  -m, --message M  why, kept in the alias history
      --by ACTOR   who, kept in the history; default as for tag cv
      --key FILE   sign the history event with this private key (ECDSA P-256, Ed25519, RSA PEM;
                   default OCM_SIGNING_KEY): the move's author is proven, not declared`,
    options: {
      expect: { type: 'string' },
      force: { type: 'boolean' },
      message: { type: 'string', short: 'm' },
      by: { type: 'string' },
      key: { type: 'string' },
    },
    load: () => import('./tag.js').then((m) => m.runUntagCv),
  },
  {
    name: 'get history',
    summary: "the recorded moves of a component's aliases, newest first, verified",
    usage: `get history REPOSITORY//COMPONENT[:ALIAS] [--limit N] [--since TIME] [-o table|yaml|json]

  Every alias change made with ocm-ts is an event in the component's repository (tag _ocm.history),
  hash-chained: an edited, removed or reordered event is reported, never shown as true. An alias
  whose current version differs from its newest event shows an "untracked" row on top (moved by
  another tool). TIME is relative on a terminal, else RFC 3339. VERIFIED names who signed a move
  (tag/untag/promote/rollback --key), checked against the stages document's trust and --public-key:
  the signer's name, "unknown key", "bad signature", or - when the move is not signed.

      --limit N      only the newest N events
      --public-key NAME=FILE  also trust this public key as NAME (repeatable)
      --since TIME   only events at or after TIME: RFC 3339 or a date
  -o, --output FORMAT  table (default), yaml or json`,
    options: {
      limit: { type: 'string' },
      since: { type: 'string' },
      output: { type: 'string', short: 'o' },
      'public-key': { type: 'string', multiple: true },
    },
    load: () => import('./history.js').then((m) => m.runGetHistory),
  },
  {
    name: 'rollback cv',
    summary: 'move an alias back to where it was before its last move (recorded in the history)',
    usage: `rollback cv REPOSITORY//COMPONENT:ALIAS [--steps N] [-m MESSAGE] [--by ACTOR]

  Walks back the alias's recorded moves (rollbacks undo moves: two rollbacks go back two moves) and
  moves it only if it still points where it is now (--expect). Where the alias did not exist before,
  it is removed.

      --steps N        how many moves back (default 1)
      --expect X       roll back only if the alias points at version or digest X (default: now)
  -m, --message M      why, kept in the history
      --by ACTOR       who; default as for tag cv
      --key FILE       sign the history event (default OCM_SIGNING_KEY)`,
    options: {
      steps: { type: 'string' },
      expect: { type: 'string' },
      message: { type: 'string', short: 'm' },
      by: { type: 'string' },
      key: { type: 'string' },
    },
    load: () => import('./history.js').then((m) => m.runRollbackCv),
  },
  {
    name: 'gc',
    summary: 'remove untagged residue and unreferenced blobs from a CTF',
    usage: `gc CTF_PATH [--dry-run]

  Drops index entries that no tag reaches and blobs that no entry reaches (blobs younger than
  10 minutes are kept: a concurrent push may be about to name them). Registries collect their own
  garbage; run their GC instead.

      --dry-run   say what would be removed, remove nothing`,
    options: { 'dry-run': { type: 'boolean' } },
    load: () => import('./gc.js').then((m) => m.runGc),
  },
  {
    name: 'download resource',
    summary: 'fetch the content of a local resource, verified against its digest',
    usage: `download resource REPOSITORY//COMPONENT:VERSION|ALIAS NAME [KEY=VALUE...] [-O FILE]

  KEY=VALUE pairs add extra identity (e.g. os=linux architecture=amd64).

  -O, --output-file FILE   write here (atomically: nothing is left behind if the download fails);
                           default: standard output`,
    options: { 'output-file': { type: 'string', short: 'O' } },
    load: () => import('./download.js').then((m) => m.runDownloadResource),
  },
  {
    name: 'transfer cv',
    summary: 'copy component versions between CTFs and registries, digests unchanged',
    usage: `transfer cv SOURCE_REPOSITORY//COMPONENT[:VERSION|:ALIAS] TARGET_REPOSITORY [--copy-aliases]
       transfer cv SOURCE_REPOSITORY TARGET_REPOSITORY [--jobs N] [--copy-aliases]

  Every version when none is named. Content the target has already is not copied again.
  Without //COMPONENT: every version of every component of the CTF or registry prefix, --jobs
  versions at once, then a summary; a rerun skips what the target holds (one request a version).
  With --recursive: the named version and every version it references, transitively, each once,
  leaves first (a version never lands before what it references); every reference is found before
  anything is written; --copy-aliases then applies to the root only.

      --copy-aliases         also set, in the target, the aliases that point at each copied version,
                             and copy its evidence (as --evidence does); the alias history and the
                             stages document come along when the target has none (a target with its
                             own stages document keeps it, and says so)
      --force                with --copy-aliases onto a target that keeps its own stages document:
                             set its gated stages anyway (refused otherwise), recorded as forced
      --evidence             also copy the evidence of each version (signed checks and approvals,
                             tags _ocm.att.*) that the target lacks
      --copy-resources       copy the images that resources reference (ociArtifact) into the target
                             as local blobs (nested manifests); resource digests, and so signatures,
                             stay valid
      --conflict POLICY      when the target holds a version with other content: abort (default),
                             skip or replace
      --concurrency N        blobs copied at once (default 4)
      --jobs N               whole repository: versions copied at once (default 4)
  -r, --recursive            also copy the component versions it references
      --lookup REPOSITORY    with -r: where to look for referenced versions the source does not hold
                             (repeatable, in order)`,
    options: {
      recursive: { type: 'boolean', short: 'r' },
      lookup: { type: 'string', multiple: true },
      'copy-aliases': { type: 'boolean' },
      force: { type: 'boolean' },
      evidence: { type: 'boolean' },
      'copy-resources': { type: 'boolean' },
      conflict: { type: 'string' },
      concurrency: { type: 'string' },
      jobs: { type: 'string' },
    },
    load: () => import('./transfer.js').then((m) => m.runTransferCv),
  },
  {
    name: 'cache info',
    summary: 'show where the content cache is and what it holds',
    usage: `cache info [-o table|json]

  The cache keeps manifests, descriptors and small blobs read from registries, named by digest,
  so a warm alias or version lookup costs one request. Tags are always asked of the registry.
  Directory: $OCM_CACHE_DIR, else $XDG_CACHE_HOME/ocm-ts, else ~/.cache/ocm-ts. Any command
  takes --no-cache to neither read nor fill it.

  -o, --output FORMAT   table (default) or json`,
    options: { output: { type: 'string', short: 'o' } },
    load: () => import('./cache.js').then((m) => m.runCacheInfo),
  },
  {
    name: 'cache prune',
    summary: 'empty the content cache, or shrink it to a size',
    usage: `cache prune [--keep SIZE]

  Removes the least recently used entries until at most SIZE remain (default: all of them).
  Safe while other ocm processes use the cache: they refetch what they miss.

      --keep SIZE   e.g. 64MiB`,
    options: { keep: { type: 'string' } },
    load: () => import('./cache.js').then((m) => m.runCachePrune),
  },
  {
    name: 'board',
    summary: 'serve the stage board: a local web page of every component and its stages, live',
    usage: `board REPOSITORY [REPOSITORY...] [--port P] [--host H] [--write] [--open] [--interval 30s]

  One row per component, one column per stage (policy order, else dev, qa, test, staging, prod,
  then the rest): version, time in the stage, signature and lag marks; a page per component with
  its history, versions and the difference between two versions. Moves appear without a reload.
  Runs until interrupted (Ctrl-C).

      --port P       listen on port P (default: a free port)
      --host H       listen on H (default 127.0.0.1; any other address is reachable from elsewhere)
      --write        allow promotion and rollback from the page, through the same gates as the CLI;
                     the printed URL carries the per-run token
      --open         open the board in the desktop's browser
      --interval D   time between looks at each stage on a registry (default 30s; a CTF is
                     watched through the file system)`,
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      write: { type: 'boolean' },
      open: { type: 'boolean' },
      interval: { type: 'string' },
    },
    load: () => import('./board.js').then((m) => m.runBoard),
  },
  {
    name: 'version',
    summary: 'print the version of ocm-ts',
    usage: 'version',
    options: {},
    load: () => import('./version.js').then((m) => m.runVersion),
  },
  {
    name: 'sign cv',
    summary: 'sign a component version; aliases on it move to the signed manifest',
    usage: `sign cv REPOSITORY//COMPONENT:VERSION|ALIAS --signature NAME --private-key FILE

  Computes resource digests from content, digests references, normalises the descriptor
  (jsonNormalisation/v4alpha1, SHA-256 by default), signs, and stores the signed descriptor. The
  version's manifest digest changes; every alias that pointed at it moves along, and is listed.

  -s, --signature NAME       signature name (a signature of that name is replaced)
  -K, --private-key FILE     RSA private key, PKCS#1 or PKCS#8 PEM
  -S, --algorithm ALG        RSASSA-PSS (default) or RSASSA-PKCS1-V1_5
  -H, --hash HASH            SHA-256 (default) or SHA-512
  -N, --normalisation ALG    jsonNormalisation/v4alpha1 (default), v3, v2 or v1
      --encoding hex|pem     signature encoding (default hex)
  -o, --output json          the full result as JSON`,
    options: {
      signature: { type: 'string', short: 's' },
      'private-key': { type: 'string', short: 'K' },
      algorithm: { type: 'string', short: 'S' },
      hash: { type: 'string', short: 'H' },
      normalisation: { type: 'string', short: 'N' },
      encoding: { type: 'string' },
      output: { type: 'string', short: 'o' },
    },
    load: () => import('./sign.js').then((m) => m.runSignCv),
  },
  {
    name: 'verify cv',
    summary: 'verify the digests and a signature of a component version (aliases allowed)',
    usage: `verify cv REPOSITORY//COMPONENT:VERSION|ALIAS --public-key FILE [--signature NAME]
       verify cv REPOSITORY//COMPONENT:VERSION|ALIAS --recursive [--lookup REPOSITORY...] [--public-key FILE]

  Recomputes every resource digest from the stored content, the reference digests and the
  descriptor digest, then checks the signature. Fails, naming what differs, on any mismatch.
  With --recursive: every version of the reference tree against its content, and every stored
  reference digest against what the reference is now; the root's signature too when a key is given.

  -k, --public-key FILE      RSA public key, SPKI or PKCS#1 PEM (or the private key)
  -s, --signature NAME       which signature (default: the only one)
  -r, --recursive            the whole reference tree
      --lookup REPOSITORY    with -r: where to look for referenced versions (repeatable, in order)
  -o, --output json          the full result as JSON`,
    options: {
      'public-key': { type: 'string', short: 'k' },
      signature: { type: 'string', short: 's' },
      recursive: { type: 'boolean', short: 'r' },
      lookup: { type: 'string', multiple: true },
      output: { type: 'string', short: 'o' },
    },
    load: () => import('./sign.js').then((m) => m.runVerifyCv),
  },
  {
    name: 'attest cv',
    summary: 'sign and store evidence about a component version: a check result or any in-toto predicate',
    usage: `attest cv REPOSITORY//COMPONENT:VERSION|ALIAS --check NAME --result passed|warned|failed --key FILE
         [--url URL] [--stage STAGE] [--passed TEST]... [--warned TEST]... [--failed TEST]...
       attest cv REPOSITORY//COMPONENT:VERSION|ALIAS --predicate-type URI --predicate FILE --key FILE

  Evidence is an in-toto Statement v1 about COMPONENT:VERSION and the SHA-256 of its normalised
  descriptor (unchanged by sign cv and transfer), in a DSSE envelope signed with --key, stored in the
  component's repository under its own reserved tag (concurrent attestations never lose each other).
  A check is an in-toto test-result; the stages document's checks gate reads the newest per check.

      --check NAME           the check (test-result configuration name), e.g. e2e
      --result R             passed, warned or failed
      --url URL              link to the run
      --stage STAGE          the stage the check ran in
      --passed/--warned/--failed TEST   test names (repeatable)
      --predicate-type URI   any other predicate, stored and listed as given
      --predicate FILE       its JSON object
      --key FILE             private key, PEM: ECDSA P-256, Ed25519 or RSA (a warning when others can read it)
  -o, --output json          the result as JSON`,
    options: {
      check: { type: 'string' },
      result: { type: 'string' },
      url: { type: 'string' },
      stage: { type: 'string' },
      passed: { type: 'string', multiple: true },
      warned: { type: 'string', multiple: true },
      failed: { type: 'string', multiple: true },
      'predicate-type': { type: 'string' },
      predicate: { type: 'string' },
      key: { type: 'string' },
      output: { type: 'string', short: 'o' },
    },
    load: () => import('./evidence.js').then((m) => m.runAttestCv),
  },
  {
    name: 'approve cv',
    summary: 'sign and store an approval of a component version for a stage',
    usage: `approve cv REPOSITORY//COMPONENT:VERSION|ALIAS --stage STAGE --key FILE [-m MESSAGE]

  An approval (predicate https://ocm.software/attestation/approval/v1: stage, message, time) about the
  version's normalised digest, signed with --key. The approvals gate of STAGE counts distinct signers.

      --stage STAGE    the stage approved
      --key FILE       private key, PEM: ECDSA P-256, Ed25519 or RSA
  -m, --message TEXT   why
  -o, --output json    the result as JSON`,
    options: {
      stage: { type: 'string' },
      key: { type: 'string' },
      message: { type: 'string', short: 'm' },
      output: { type: 'string', short: 'o' },
    },
    load: () => import('./evidence.js').then((m) => m.runApproveCv),
  },
  {
    name: 'get evidence',
    summary:
      'list the evidence of a component version, verified: TYPE, NAME/STAGE, RESULT, SIGNER, VERIFIED, TIME',
    usage: `get evidence REPOSITORY//COMPONENT:VERSION|ALIAS [--public-key NAME=FILE]... [-o table|yaml|json]

  Every envelope stored about the version's normalised digest, newest first, each verified against
  the keys of the stages document's trust and those given. VERIFIED: verified, bad signature (the
  payload or signature was altered), unknown key, unsigned, unreadable. With -o json|yaml each item
  carries its DSSE envelope exactly as stored, for checking with other tools.

      --public-key NAME=FILE   a key to verify with (repeatable); wins over a trust entry of that name
  -o, --output FORMAT          table (default), yaml or json`,
    options: {
      'public-key': { type: 'string', multiple: true },
      output: { type: 'string', short: 'o' },
    },
    load: () => import('./evidence.js').then((m) => m.runGetEvidence),
  },
  {
    name: 'set stages',
    summary: 'store the stages document of a component (its stages and their promotion gates)',
    usage: `set stages REPOSITORY//COMPONENT --file stages.yaml [-m MESSAGE] [--by ACTOR]
       set stages REPOSITORY --all --file stages.yaml

  Checks the document (unknown keys, a cycle in from, stage names that are versions or reserved,
  durations, keys, freeze windows: every problem named by its path, nothing written), stores it in
  the component's repository under the reserved tag _ocm.stages, and records a policy event with
  the document's digest in the history.

  -f, --file FILE        the stages document (YAML or JSON)
      --all              every component of the CTF or registry prefix
  -m, --message TEXT     why, kept in the history
      --by ACTOR         who, kept in the history (self-declared); default as for tag cv
  -o, --output FORMAT    table (default) or json`,
    options: {
      file: { type: 'string', short: 'f' },
      all: { type: 'boolean' },
      message: { type: 'string', short: 'm' },
      by: { type: 'string' },
      output: { type: 'string', short: 'o' },
    },
    load: () => import('./stages.js').then((m) => m.runSetStages),
  },
  {
    name: 'get stages',
    summary: 'show the stages document of a component',
    usage: `get stages REPOSITORY//COMPONENT [-o table|yaml|json]

  -o, --output FORMAT   table (default), yaml (the document as written) or json`,
    options: { output: { type: 'string', short: 'o' } },
    load: () => import('./stages.js').then((m) => m.runGetStages),
  },
  {
    name: 'promote',
    summary: 'move a stage to its candidate through the gates of the stages document',
    usage: `promote cv REPOSITORY//COMPONENT --to STAGE [--from STAGE | --version V] [--dry-run]
         [--allow-downgrade] [--public-key NAME=FILE...] [-m MESSAGE] [--by ACTOR] [-o table|json]
       promote REPOSITORY --to STAGE --all [--dry-run]
       promote REPOSITORY[//COMPONENT] --to STAGE --auto [--interval 30s] [-o json]

  The candidate is what the stage's from holds now (for a stage without a from: what --from STAGE
  holds, or --version). Every gate of the stage is
  evaluated: from (the candidate is what the source stage holds), soak (how long the source has
  held it, from the history), signatures (verified with the document's keys or those given),
  references (every referenced version present and verified), forwardOnly, freeze. The plan is
  printed (GATE, RESULT, DETAIL). When all pass, the stage moves with expect = where it is now, and
  the history records promote with the gates' results.
  Exit codes: 0 promoted (or already there), 3 a gate refused (nothing changed), 1 other failures
  (e.g. someone moved the stage meanwhile), 2 usage errors.
  With --auto: keeps running and promotes the stage of every component (or the one named) whose
  stage has auto: true as soon as its gates pass; one line per decision (promoted, refused, held,
  waiting, up to date, failed, skipped), none for idle looks; each look is one HEAD of the source
  stage per component. A stage moved by hand (rollback, tag) is held until its source moves.
  SIGINT or SIGTERM ends it with exit code 0.

      --to STAGE             the stage to move
      --from STAGE           for a stage without a from rule: take what STAGE holds (a stage
                             with a from takes only from it; another is refused)
      --version V            take this version as the candidate
      --dry-run              print the plan, change nothing
      --allow-downgrade      let a forwardOnly stage go back to a lower version
      --public-key NAME=FILE a key for signature NAME (repeatable); wins over the document's
      --all                  every component of the repository whose source stage is ahead
      --auto                 keep promoting automatically (see above); not with --dry-run
      --interval D           with --auto: time between looks, 30s (default), 5m, 1h30m, ...
  -m, --message TEXT         why, kept in the history
      --by ACTOR             who, kept in the history (self-declared); default as for tag cv
      --key FILE             sign the promote event with this private key (default OCM_SIGNING_KEY)
  -o, --output FORMAT        table (default) or json`,
    options: {
      to: { type: 'string' },
      from: { type: 'string' },
      version: { type: 'string' },
      'dry-run': { type: 'boolean' },
      'allow-downgrade': { type: 'boolean' },
      'public-key': { type: 'string', multiple: true },
      all: { type: 'boolean' },
      auto: { type: 'boolean' },
      interval: { type: 'string' },
      message: { type: 'string', short: 'm' },
      by: { type: 'string' },
      key: { type: 'string' },
      output: { type: 'string', short: 'o' },
    },
    load: async () => (ctx, args) =>
      args.values.auto !== undefined || args.values.interval !== undefined
        ? import('./promote-auto.js').then((m) => m.runPromoteAuto(ctx, args))
        : import('./promote.js').then((m) => m.runPromote(ctx, args)),
  },
];
