import { readFile, realpath, stat } from 'node:fs/promises';
import { dirname, extname, resolve } from 'node:path';
import { AccessType, isAccessType } from '../descriptor/access.js';
import { InvalidDescriptorError } from '../descriptor/errors.js';
import { formatPath, type PathSegment } from '../descriptor/path.js';
import { DEFAULT_MAX_BYTES, type ReadLimits, readDocument } from '../descriptor/read.js';
import type { AccessSpec } from '../descriptor/types.js';
import { type Environment, expandVariables } from './env.js';
import { type ConstructorIssue, ConstructorNotFoundError, InvalidConstructorError } from './errors.js';
import { inputIssues } from './inputs.js';
import { notFound } from './paths.js';
import { constructorSchemaIssues } from './schema.js';
import type { ComponentConstructor, Constructor } from './types.js';

export interface ReadConstructorOptions extends ReadLimits {
  /**
   * Values for `${VAR}` / `$VAR`. Only this map is consulted, never `process.env`: the CLI passes
   * the environment it was given. Default: no variables (any reference is an error).
   */
  readonly env?: Environment;
  /** Cancels reading the constructor file. */
  readonly signal?: AbortSignal;
}

/** Constructor text already in hand, with the directory its input paths are relative to. */
export interface ConstructorText {
  readonly text: string | Uint8Array;
  readonly baseDir: string;
}

/**
 * Reads a component constructor (YAML or JSON) from a file, or from text with its base directory.
 * The result has its variables expanded and satisfies the constructor v1 schema and the input
 * rules; nothing on disk besides the constructor file itself is touched (inputs are read by
 * `addComponentsFromConstructor`).
 *
 * Throws only typed errors: `InvalidConstructorError` (unreadable or invalid document, every failing
 * path listed: too large, a YAML bomb, schema violations, unknown input types or fields),
 * `UndefinedVariableError`, `ConstructorNotFoundError` (the file itself is missing).
 */
export async function readConstructor(
  source: string | ConstructorText,
  options: ReadConstructorOptions = {},
): Promise<Constructor> {
  let text: string | Uint8Array;
  let baseDir: string;
  let format: 'json' | undefined;
  if (typeof source === 'string') {
    const file = resolve(source);
    const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
    try {
      const info = await stat(file);
      if (!info.isFile()) throw new ConstructorNotFoundError(source, 'is not a file');
      // Checked before reading, so that a huge file is never loaded to be refused.
      if (info.size > maxBytes) {
        throw new InvalidConstructorError([{ path: '', message: `is larger than ${maxBytes} bytes` }]);
      }
      text = await readFile(file, { signal: options.signal });
      baseDir = dirname(await realpath(file));
    } catch (error) {
      if (error instanceof ConstructorNotFoundError || error instanceof InvalidConstructorError) throw error;
      if ((error as Error | undefined)?.name === 'AbortError') throw error;
      const code = (error as NodeJS.ErrnoException | undefined)?.code;
      if (code === 'ENOENT' || code === 'ENOTDIR')
        throw new ConstructorNotFoundError(source, 'does not exist', { cause: error });
      throw notFound(source, error);
    }
    format = extname(file).toLowerCase() === '.json' ? 'json' : undefined;
  } else {
    text = source.text;
    baseDir = resolve(source.baseDir);
  }
  return parseConstructor(text, baseDir, format, options);
}

/** `readConstructor` for text in hand, synchronously (internal: the public entry is `readConstructor`). */
export function parseConstructor(
  text: string | Uint8Array,
  baseDir: string,
  format: 'json' | undefined,
  options: ReadConstructorOptions = {},
): Constructor {
  let document: unknown;
  try {
    document = readDocument(text, format, options);
  } catch (error) {
    if (error instanceof InvalidDescriptorError)
      throw new InvalidConstructorError(error.issues, { cause: error });
    throw error;
  }
  document = expandVariables(document, options.env ?? {});
  const issues = documentIssues(document);
  if (issues.length > 0) throw new InvalidConstructorError(issues);
  const list = isObject(document) && Array.isArray(document.components);
  const components = list ? (document as { components: unknown[] }).components : [document];
  return { components: components as ComponentConstructor[], form: list ? 'list' : 'single', baseDir };
}

/** The schema's issues and the rules it cannot express, for the whole document. */
function documentIssues(document: unknown): ConstructorIssue[] {
  let issues = constructorSchemaIssues(document);
  if (!isObject(document)) return issues;
  const list = Array.isArray(document.components)
    ? document.components.map((c, i) => ({
        component: c as unknown,
        path: ['components', i] as PathSegment[],
      }))
    : document.components === undefined
      ? [{ component: document as unknown, path: [] as PathSegment[] }]
      : [];
  const extra: ConstructorIssue[] = [];
  const seen = new Map<string, string>();
  for (const { component, path } of list) {
    if (!isObject(component)) continue;
    // An empty provider is the schema's `minProperties`; one with other keys but no name is ours.
    const provider = component.provider;
    if (isObject(provider) && Object.keys(provider).length > 0 && provider.name === undefined) {
      extra.push({ path: formatPath([...path, 'provider', 'name']), message: 'is required' });
    }
    if (typeof component.name === 'string' && typeof component.version === 'string') {
      const id = `${component.name}:${component.version}`;
      const first = seen.get(id);
      if (first !== undefined) {
        extra.push({ path: formatPath(path), message: `${id} is defined twice: ${first} has it too` });
      } else {
        seen.set(id, formatPath(path));
      }
    }
    for (const kind of ['resources', 'sources'] as const) {
      const elements = component[kind];
      if (!Array.isArray(elements)) continue;
      elements.forEach((element, index) => {
        if (!isObject(element)) return;
        const at = [...path, kind, index];
        const hasInput = element.input !== undefined;
        const hasAccess = element.access !== undefined;
        if (!hasInput && !hasAccess) {
          const access = formatPath([...at, 'access']);
          // The schema's else-branch says "access is required"; the real rule is one of the two.
          issues = issues.filter((i) => !(i.path === access && i.message === 'is required'));
          extra.push({
            path: formatPath(at),
            message: 'needs either input (content packed in) or access (a reference)',
          });
        } else if (hasInput && hasAccess) {
          extra.push({ path: formatPath(at), message: 'has both input and access: give exactly one' });
        }
        if (isObject(element.input)) extra.push(...inputIssues(element.input, [...at, 'input']));
        if (isObject(element.access) && typeof element.access.type === 'string') {
          if (isAccessType(element.access as AccessSpec, AccessType.LocalBlob)) {
            extra.push({
              path: formatPath([...at, 'access', 'type']),
              message: 'a local blob cannot be referenced from a constructor: give its content as an input',
            });
          }
        }
      });
    }
  }
  return [...issues, ...extra];
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
