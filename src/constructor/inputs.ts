import { createHash } from 'node:crypto';
import { createReadStream, type Dirent } from 'node:fs';
import { lstat, readdir, readFile, readlink, realpath, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { pipeline, Readable } from 'node:stream';
import { createGzip } from 'node:zlib';
import tar, { type Header } from 'tar-stream';
import { formatPath, type PathSegment } from '../descriptor/path.js';
import { toGoYaml } from '../descriptor/serialise.js';
import type { JsonValue } from '../descriptor/types.js';
import { OcmError } from '../errors.js';
import { type ConstructorIssue, InputError, InputNotFoundError, PathEscapeError } from './errors.js';
import { compileGlob } from './glob.js';
import { isInside, notFound, resolveInputPath } from './paths.js';
import type { DirInput, FileInput, InputSpec, InputType, Utf8Input } from './types.js';

/**
 * The content an input produces, and the media type it is stored with. Content is streamed, never
 * held whole: `open` packs it anew on each call (files are read again, the tar is rebuilt), and
 * gives the same bytes each time as long as the inputs do not change on disk. A change between two
 * reads shows up as a digest mismatch when the store verifies the push.
 */
export interface InputBlob {
  readonly mediaType: string;
  /** The path as written in the constructor (or the input type for UTF8/v1), for errors. */
  readonly origin: string;
  open(): Readable;
}

/** SHA-256 digest (`sha256:<hex>`) and size of one pass over the content. Errors are typed. */
export async function measureInput(
  blob: InputBlob,
  signal?: AbortSignal,
): Promise<{ digest: string; size: number }> {
  const hash = createHash('sha256');
  let size = 0;
  const stream = blob.open();
  try {
    for await (const chunk of stream) {
      signal?.throwIfAborted();
      hash.update(chunk as Uint8Array);
      size += (chunk as Uint8Array).byteLength;
    }
  } catch (error) {
    stream.destroy();
    if (error instanceof OcmError || (error as Error | undefined)?.name === 'AbortError') throw error;
    throw notFound(blob.origin, error);
  }
  return { digest: `sha256:${hash.digest('hex')}`, size };
}

export interface InputContext {
  /** Real path of the constructor's directory; no input reads outside it. */
  readonly baseDir: string;
  readonly signal?: AbortSignal | undefined;
}

/**
 * The canonical input type for a spelling the Go CLIs accept: the name in any letter case
 * (`file`, `File`, `FILE`), optionally with `/v1` (`File/v1`, `dir/v1`, `UTF8/v1`).
 */
export function inputTypeOf(type: unknown): InputType | undefined {
  if (typeof type !== 'string') return undefined;
  const m = /^([A-Za-z0-9]+)(?:\/v1)?$/.exec(type);
  return m ? canonical[m[1]!.toLowerCase()] : undefined;
}

const canonical: Record<string, InputType> = { file: 'File/v1', dir: 'Dir/v1', utf8: 'UTF8/v1' };

/** Fields each input type knows, with a check of each value (undefined when the value is fine). */
type FieldCheck = (value: unknown) => string | undefined;
const isString: FieldCheck = (v) => (typeof v === 'string' ? undefined : 'must be a string');
const nonEmpty: FieldCheck = (v) =>
  typeof v === 'string' && v !== '' ? undefined : 'must be a non-empty string';
const isBoolean: FieldCheck = (v) => (typeof v === 'boolean' ? undefined : 'must be true or false');
const anyValue: FieldCheck = () => undefined;
const globs: FieldCheck = (v) => {
  if (!Array.isArray(v) || v.some((g) => typeof g !== 'string')) return 'must be a list of strings';
  const bad = v.find((g) => compileGlob(g) === undefined);
  return bad === undefined ? undefined : `${JSON.stringify(bad)} is not a valid pattern`;
};

const fields: Record<InputType, Record<string, FieldCheck>> = {
  'File/v1': { type: anyValue, path: nonEmpty, mediaType: nonEmpty, compress: isBoolean },
  'Dir/v1': {
    type: anyValue,
    path: nonEmpty,
    mediaType: nonEmpty,
    compress: isBoolean,
    preserveDir: isBoolean,
    followSymlinks: isBoolean,
    excludeFiles: globs,
    includeFiles: globs,
  },
  'UTF8/v1': {
    type: anyValue,
    text: isString,
    json: anyValue,
    formattedJson: anyValue,
    yaml: anyValue,
    mediaType: nonEmpty,
    compress: isBoolean,
  },
};

const utf8Content = ['text', 'json', 'formattedJson', 'yaml'] as const;

/**
 * What is wrong with an input spec, without touching the file system: unknown type, unknown or
 * mistyped fields, a missing `path`, UTF8/v1 without exactly one content field.
 */
export function inputIssues(
  input: Record<string, unknown>,
  path: readonly PathSegment[],
): ConstructorIssue[] {
  const type = inputTypeOf(input.type);
  if (type === undefined) {
    return [
      {
        path: formatPath([...path, 'type']),
        message: `unsupported input type ${JSON.stringify(input.type)}: supported are file (File/v1), dir (Dir/v1) and utf8 (UTF8/v1)`,
      },
    ];
  }
  const issues: ConstructorIssue[] = [];
  const known = fields[type];
  for (const [key, value] of Object.entries(input)) {
    const check = Object.hasOwn(known, key) ? known[key] : undefined;
    const problem = check === undefined ? `is not a field of ${type}` : check(value);
    if (problem !== undefined) issues.push({ path: formatPath([...path, key]), message: problem });
  }
  if (type !== 'UTF8/v1' && input.path === undefined) {
    issues.push({ path: formatPath([...path, 'path']), message: 'is required' });
  }
  if (type === 'UTF8/v1') {
    const given = utf8Content.filter((k) => input[k] !== undefined);
    if (given.length !== 1) {
      issues.push({
        path: formatPath(path),
        message:
          given.length === 0
            ? 'needs one of text, json, formattedJson or yaml'
            : `has ${given.join(' and ')}: give exactly one of text, json, formattedJson or yaml`,
      });
    }
  }
  return issues;
}

/**
 * Opens an input already checked by `inputIssues`: its paths are resolved and checked, a Dir/v1 tree
 * is walked (links checked), and the content is ready to stream (`InputBlob.open`). File system
 * failures are typed: `PathEscapeError`, `InputNotFoundError`, `InputError`.
 */
export async function readInput(input: InputSpec, context: InputContext): Promise<InputBlob> {
  context.signal?.throwIfAborted();
  switch (inputTypeOf(input.type)) {
    case 'File/v1':
      return compressed(await fileInput(input as FileInput, context), input as FileInput);
    case 'Dir/v1':
      return compressed(await dirInput(input as DirInput, context), input as DirInput);
    case 'UTF8/v1':
      return compressed(utf8Input(input as Utf8Input), input as Utf8Input);
    default:
      throw new InputError(String(input.type), 'unsupported input type');
  }
}

/** With `compress: true`: gzip, and `+gzip` appended to the media type (as the Go inputs do). */
function compressed(blob: InputBlob, input: { compress?: boolean }): InputBlob {
  if (input.compress !== true) return blob;
  return {
    mediaType: `${blob.mediaType}+gzip`,
    origin: blob.origin,
    open: () => {
      // Node's gzip header carries no file name and mtime 0, so equal bytes compress to equal bytes.
      const gzip = createGzip();
      // An error of the source destroys the gzip stream with that error, which the reader sees.
      return pipeline(blob.open(), gzip, () => {});
    },
  };
}

async function fileInput(input: FileInput, context: InputContext): Promise<InputBlob> {
  const real = await resolveInputPath(context.baseDir, input.path);
  const info = await stat(real).catch((e: unknown) => {
    throw notFound(input.path, e);
  });
  if (!info.isFile()) throw new InputNotFoundError(input.path, 'is not a regular file');
  return {
    mediaType: input.mediaType ?? 'application/octet-stream',
    origin: input.path,
    open: () => createReadStream(real),
  };
}

function utf8Input(input: Utf8Input): InputBlob {
  const [text, mediaType] =
    input.text !== undefined
      ? [input.text, 'text/plain']
      : input.json !== undefined
        ? [JSON.stringify(sortKeys(input.json)), 'application/json']
        : input.formattedJson !== undefined
          ? [JSON.stringify(sortKeys(input.formattedJson), null, 2), 'application/json']
          : [toGoYaml(input.yaml), 'application/yaml'];
  const bytes = Buffer.from(text, 'utf8');
  return {
    mediaType: input.mediaType ?? mediaType,
    origin: String(input.type),
    open: () => Readable.from([bytes], { objectMode: false }),
  };
}

/** Keys in byte order at every level, as Go's `encoding/json` writes maps: one value, one text. */
function sortKeys(value: JsonValue | undefined): JsonValue {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || value === undefined || typeof value !== 'object') return value ?? null;
  const out: Record<string, JsonValue> = Object.create(null);
  for (const key of Object.keys(value).sort(compareBytes)) out[key] = sortKeys(value[key]);
  return Object.setPrototypeOf(out, Object.prototype);
}

function compareBytes(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

/** One entry of the tar, in archive order. */
type TarEntry =
  | { readonly name: string; readonly type: 'directory' }
  | { readonly name: string; readonly type: 'file'; readonly source: string; readonly executable: boolean }
  | { readonly name: string; readonly type: 'symlink'; readonly linkname: string };

/**
 * Dir/v1: the directory as a tar that depends only on names, contents, the executable bit and link
 * targets: entries depth-first in byte order of their names, mtime 0, uid/gid 0, no user or group
 * names, mode 0755 for directories and executables and 0644 otherwise. The same directory always
 * gives the same digest, whatever the order `readdir` returns or the umask the files were made with.
 *
 * Symbolic links are packed as links (`followSymlinks` false, the default) or replaced by what they
 * point at (true). Either way a link whose target lies outside the constructor directory is refused
 * with `PathEscapeError`: an archive must not carry content from, or links into, the rest of the
 * machine. Sockets, devices and FIFOs are refused (`InputError`).
 */
async function dirInput(input: DirInput, context: InputContext): Promise<InputBlob> {
  const root = await resolveInputPath(context.baseDir, input.path);
  const info = await stat(root).catch((e: unknown) => {
    throw notFound(input.path, e);
  });
  if (!info.isDirectory()) throw new InputNotFoundError(input.path, 'is not a directory');
  const exclude = (input.excludeFiles ?? []).map((g) => compileGlob(g)!);
  const include = (input.includeFiles ?? []).map((g) => compileGlob(g)!);
  const prefix = input.preserveDir ? basename(resolve(context.baseDir, input.path)) || basename(root) : '';
  const follow = input.followSymlinks === true;

  const walk = async (dir: string, rel: string, ancestors: ReadonlySet<string>): Promise<TarEntry[]> => {
    context.signal?.throwIfAborted();
    let dirents: Dirent[];
    try {
      dirents = await readdir(dir, { withFileTypes: true });
    } catch (error) {
      throw notFound(join(input.path, rel), error);
    }
    dirents.sort((a, b) => compareBytes(a.name, b.name));
    const entries: TarEntry[] = [];
    for (const dirent of dirents) {
      const relPath = rel === '' ? dirent.name : `${rel}/${dirent.name}`;
      if (exclude.some((m) => m(relPath))) continue;
      const absolute = join(dir, dirent.name);
      const written = join(input.path, relPath);
      const name = prefix === '' ? relPath : `${prefix}/${relPath}`;
      let kind = await lstat(absolute).catch((e: unknown) => {
        throw notFound(written, e);
      });
      let source = absolute;
      if (kind.isSymbolicLink()) {
        const target = await readlink(absolute).catch((e: unknown) => {
          throw notFound(written, e);
        });
        if (!isInside(context.baseDir, resolve(dirname(absolute), target))) {
          throw new PathEscapeError(
            written,
            `is a symbolic link to ${JSON.stringify(target)}, outside the constructor directory`,
          );
        }
        let real: string | undefined;
        try {
          real = await realpath(absolute);
        } catch (error) {
          if (follow) throw notFound(written, error);
        }
        if (real !== undefined && !isInside(context.baseDir, real)) {
          throw new PathEscapeError(
            written,
            'is a symbolic link that leads outside the constructor directory',
          );
        }
        if (!follow) {
          if (include.length === 0 || include.some((m) => m(relPath)))
            entries.push({ name, type: 'symlink', linkname: target });
          continue;
        }
        source = real!;
        kind = await stat(source);
      }
      if (kind.isDirectory()) {
        if (ancestors.has(source))
          throw new InputError(written, 'is a symbolic link to a directory that contains it');
        const children = await walk(source, relPath, new Set([...ancestors, source]));
        if (include.length === 0 || children.length > 0)
          entries.push({ name, type: 'directory' }, ...children);
      } else if (kind.isFile()) {
        if (include.length === 0 || include.some((m) => m(relPath)))
          entries.push({ name, type: 'file', source, executable: (kind.mode & 0o100) !== 0 });
      } else {
        throw new InputError(written, 'is neither a regular file, a directory nor a symbolic link');
      }
    }
    return entries;
  };

  const entries = await walk(root, '', new Set([root]));
  if (prefix !== '') entries.unshift({ name: prefix, type: 'directory' });
  return {
    mediaType: input.mediaType ?? 'application/x-tar',
    origin: input.path,
    open: () => packTar(entries, context),
  };
}

/**
 * The tar of `entries`, produced while it is read. Memory holds one file at a time (its size goes
 * into the header before its bytes), never the archive. A file that cannot be read errors the stream.
 */
function packTar(entries: readonly TarEntry[], context: InputContext): Readable {
  const pack = tar.pack();
  const fixed = { mtime: new Date(0), uid: 0, gid: 0, uname: '', gname: '' };
  const add = (header: Partial<Header> & { name: string }, content?: Uint8Array) =>
    new Promise<void>((resolvePromise, reject) => {
      const done = (error?: Error | null) => (error ? reject(error) : resolvePromise());
      if (content === undefined) pack.entry(header, done);
      else pack.entry(header, content, done);
    });
  const produce = async () => {
    for (const entry of entries) {
      context.signal?.throwIfAborted();
      if (entry.type === 'directory') {
        await add({ ...fixed, name: `${entry.name}/`, type: 'directory', mode: 0o755 });
      } else if (entry.type === 'symlink') {
        await add({ ...fixed, name: entry.name, type: 'symlink', linkname: entry.linkname, mode: 0o777 });
      } else {
        const content = await readFile(entry.source, { signal: context.signal }).catch((e: unknown) => {
          throw notFound(entry.name, e);
        });
        await add(
          { ...fixed, name: entry.name, type: 'file', mode: entry.executable ? 0o755 : 0o644 },
          content,
        );
      }
    }
    pack.finalize();
  };
  produce().catch((error: unknown) => pack.destroy(error as Error));
  // A Node stream over tar-stream's (streamx) one, for consumers that expect node:stream semantics.
  return Readable.from(pack, { objectMode: false });
}
