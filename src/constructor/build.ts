import { realpath } from 'node:fs/promises';
import {
  type AccessSpec,
  type ComponentReference,
  type DescriptorV2,
  InvalidDescriptorError,
  type Label,
  type Resource,
  type Source,
  validateDescriptor,
} from '../descriptor/index.js';
import type { OperationOptions } from '../oci/content/storage.js';
import {
  type AddComponentVersionResult,
  type ConflictPolicy,
  type OcmRepository,
  VersionExistsError,
} from '../repository/index.js';
import { localBlobElement, type StoredLocalBlob } from '../repository/local-blobs.js';
import { type ConstructorIssue, InvalidConstructorError } from './errors.js';
import { type InputBlob, measureInput, readInput } from './inputs.js';
import { notFound } from './paths.js';
import type {
  ComponentConstructor,
  ComponentReferenceConstructor,
  Constructor,
  ResourceConstructor,
  SourceConstructor,
} from './types.js';

export interface AddFromConstructorOptions extends OperationOptions {
  /** When a version exists already: fail before writing anything (`abort`, default), overwrite it, or keep it. */
  readonly conflict?: ConflictPolicy;
  /** With `replace`: move aliases of the replaced content to the new one. Default false. */
  readonly moveAliases?: boolean;
  /** The clock for `creationTime` when the constructor gives none. Default: the system clock. */
  readonly now?: () => Date;
}

export interface ConstructedComponentVersion {
  readonly component: string;
  readonly version: string;
  /** Digest of the manifest that stores the version. */
  readonly digest: string;
  readonly status: AddComponentVersionResult['status'];
}

/** One local blob to store: the element it belongs to (by kind and index) and its content. */
interface PendingBlob {
  readonly kind: 'resources' | 'sources';
  readonly index: number;
  readonly blob: InputBlob;
  readonly digest: string;
  readonly size: number;
}

interface Prepared {
  readonly descriptor: DescriptorV2;
  readonly blobs: readonly PendingBlob[];
}

/**
 * Builds every component version of a constructor and stores it in `repo`, in file order. Returns,
 * per component, the version's digest and what happened (`added`, `replaced`, `unchanged`, `skipped`).
 *
 * Before anything is written: every input is read (typed errors `PathEscapeError`,
 * `InputNotFoundError`, `InputError`), every descriptor is built and validated (one
 * `InvalidConstructorError` listing all issues of all components), and with the default `abort`
 * policy every version is checked to be new (`VersionExistsError`). Only then are local blobs
 * pushed (`addLocalResource`/`addLocalSource`, digest `genericBlobDigest/v1` SHA-256) and the
 * versions added. A store failure during that second phase can leave earlier versions written.
 *
 * Input content is streamed twice (once to digest it, once to store it), never held whole in memory.
 */
export async function addComponentsFromConstructor(
  repo: OcmRepository,
  spec: Constructor,
  options: AddFromConstructorOptions = {},
): Promise<ConstructedComponentVersion[]> {
  const { signal } = options;
  const now = options.now ?? (() => new Date());
  let baseDir: string;
  try {
    baseDir = await realpath(spec.baseDir);
  } catch (error) {
    throw notFound(spec.baseDir, error);
  }

  const prepared: Prepared[] = [];
  const issues: ConstructorIssue[] = [];
  for (const [i, component] of spec.components.entries()) {
    const prefix = spec.form === 'list' ? `components[${i}]` : '';
    const built = await prepare(component, { baseDir, signal }, now);
    try {
      validateDescriptor(built.descriptor);
      prepared.push(built);
    } catch (error) {
      if (!(error instanceof InvalidDescriptorError)) throw error;
      issues.push(
        ...error.issues.map((issue) => ({ path: rebase(issue.path, prefix), message: issue.message })),
      );
    }
  }
  if (issues.length > 0) throw new InvalidConstructorError(issues);

  const conflict = options.conflict ?? 'abort';
  const exists: boolean[] = [];
  for (const { descriptor } of prepared) {
    const { name, version } = descriptor.component;
    const present = (await repo.listComponentVersions(name, { signal })).includes(version);
    if (present && conflict === 'abort') throw new VersionExistsError(name, version);
    exists.push(present);
  }

  const results: ConstructedComponentVersion[] = [];
  for (const [i, { descriptor, blobs }] of prepared.entries()) {
    const component = descriptor.component;
    // A version kept by `skip` needs no blobs: storing them would only leave garbage behind.
    if (!(exists[i] && conflict === 'skip')) {
      for (const pending of blobs) {
        const blob = {
          content: pending.blob.open(),
          mediaType: pending.blob.mediaType,
          digest: pending.digest,
          size: pending.size,
        };
        if (pending.kind === 'resources') {
          const list = component.resources!;
          list[pending.index] = await repo.addLocalResource(component.name, list[pending.index]!, blob, {
            signal,
          });
        } else {
          const list = component.sources!;
          list[pending.index] = await repo.addLocalSource(component.name, list[pending.index]!, blob, {
            signal,
          });
        }
      }
    }
    const result = await repo.addComponentVersion(descriptor, {
      conflict,
      signal,
      ...(options.moveAliases === undefined ? {} : { moveAliases: options.moveAliases }),
    });
    results.push({
      component: result.component,
      version: result.version,
      digest: result.digest,
      status: result.status,
    });
  }
  return results;
}

/** `component.resources[0].name` of a descriptor -> `components[2].resources[0].name` of the constructor. */
function rebase(path: string, prefix: string): string {
  const rest =
    path === 'component' ? '' : path.startsWith('component.') ? path.slice('component.'.length) : path;
  if (prefix === '') return rest;
  return rest === '' ? prefix : `${prefix}.${rest}`;
}

async function prepare(
  c: ComponentConstructor,
  context: { baseDir: string; signal: AbortSignal | undefined },
  now: () => Date,
): Promise<Prepared> {
  const blobs: PendingBlob[] = [];
  const local = async (
    kind: PendingBlob['kind'],
    index: number,
    element: ResourceConstructor | SourceConstructor,
  ): Promise<StoredLocalBlob | undefined> => {
    if (element.input === undefined) return undefined;
    const blob = await readInput(element.input, context);
    const { digest, size } = await measureInput(blob, context.signal);
    blobs.push({ kind, index, blob, digest, size });
    return { digest, mediaType: blob.mediaType };
  };

  const resources: Resource[] = [];
  for (const [index, r] of (c.resources ?? []).entries()) {
    const stored = await local('resources', index, r);
    const resource: Resource = {
      name: r.name,
      version: r.version ?? c.version,
      type: r.type,
      relation: r.relation ?? (stored ? 'local' : 'external'),
      access: r.access as AccessSpec,
    };
    copyOptional(resource, r, ['extraIdentity', 'labels', 'srcRefs']);
    // An input's element gets, now, the access and digest (of the bytes just measured) that
    // addLocalResource gives it, so the descriptor validates as it will be stored.
    if (stored) resources.push(localBlobElement(resource, stored));
    else {
      if (r.digest != null) resource.digest = r.digest;
      resources.push(resource);
    }
  }

  const sources: Source[] = [];
  for (const [index, s] of (c.sources ?? []).entries()) {
    const stored = await local('sources', index, s);
    const source: Source = {
      name: s.name,
      version: s.version ?? c.version,
      type: s.type,
      access: s.access as AccessSpec,
    };
    copyOptional(source, s, ['extraIdentity', 'labels']);
    sources.push(stored ? localBlobElement(source, stored) : source);
  }

  const references: ComponentReference[] = (c.componentReferences ?? []).map(
    (ref: ComponentReferenceConstructor) => {
      const out: ComponentReference = {
        name: ref.name,
        componentName: ref.componentName,
        version: ref.version,
      };
      copyOptional(out, ref, ['extraIdentity', 'labels', 'digest']);
      return out;
    },
  );

  const descriptor: DescriptorV2 = {
    meta: { schemaVersion: 'v2' },
    component: {
      name: c.name,
      version: c.version,
      provider: providerString(c.provider.name, c.provider.labels),
      repositoryContexts: [],
      ...(c.labels === undefined ? {} : { labels: c.labels }),
      creationTime: c.creationTime ?? rfc3339(now()),
      resources,
      sources,
      componentReferences: references,
    },
  };
  return { descriptor, blobs };
}

/**
 * The v2 descriptor's provider is a string; with labels, ocm1 stores the JSON document
 * `{"name":..,"labels":[..]}` in it (docs/formats.md, provider), which `parseProvider` reads back.
 */
function providerString(name: string, labels: Label[] | undefined): string {
  return labels !== undefined && labels.length > 0 ? JSON.stringify({ name, labels }) : name;
}

/** RFC 3339 in seconds, as Go's `time.Time` writes a descriptor's `creationTime`. */
function rfc3339(date: Date): string {
  if (Number.isNaN(date.getTime())) {
    throw new InvalidConstructorError([
      { path: 'creationTime', message: 'the injected clock gave an invalid date' },
    ]);
  }
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function copyOptional<T extends object>(target: T, from: object, keys: readonly string[]): void {
  for (const key of keys) {
    const value = (from as Record<string, unknown>)[key];
    if (value !== undefined && value !== null) (target as Record<string, unknown>)[key] = value;
  }
}
