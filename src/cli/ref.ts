import { isValidComponentName } from '../descriptor/grammar.js';
import { UsageError } from './io.js';

/** `[ctf::|oci::]REPOSITORY//COMPONENT[:VERSION_OR_ALIAS]`, the OCM CLI reference grammar. */
export interface ComponentRef {
  readonly repository: string;
  readonly component: string;
  readonly version?: string;
}

export function parseComponentRef(
  text: string,
  options: { requireVersion?: boolean; forbidVersion?: boolean } = {},
): ComponentRef {
  // Messages quote the reference without a `user:password@` part (repository references refuse one).
  const shown = JSON.stringify(
    text.replace(/^((?:[A-Za-z]+::)?(?:[A-Za-z]+:\/\/)?)[^/@:]*:[^/@]*@/, '$1***@'),
  );
  const scheme = /^(?:[A-Za-z]+::)?(?:(?:https?|oci|file):\/\/)?/.exec(text)?.[0] ?? '';
  const sep = text.indexOf('//', scheme.length);
  if (sep < 0) {
    throw new UsageError(
      `${shown} is not a component reference`,
      'write REPOSITORY//COMPONENT[:VERSION], e.g. ./transport-archive//example.com/app:1.0.0',
    );
  }
  const repository = text.slice(0, sep);
  const rest = text.slice(sep + 2);
  const colon = rest.indexOf(':');
  const component = colon < 0 ? rest : rest.slice(0, colon);
  const version = colon < 0 ? undefined : rest.slice(colon + 1);
  if (repository === '') throw new UsageError(`${shown} names no repository before //`);
  if (!isValidComponentName(component)) {
    throw new UsageError(
      `${JSON.stringify(component)} is not a component name`,
      'component names look like example.com/team/app (lower case, a domain and a path)',
    );
  }
  if (version === '') throw new UsageError(`${shown} has an empty version after :`);
  if (options.requireVersion && version === undefined)
    throw new UsageError(`${shown} names no version or alias`, 'append :VERSION or :ALIAS');
  if (options.forbidVersion && version !== undefined) throw new UsageError(`${shown}: name no version here`);
  return { repository, component, ...(version === undefined ? {} : { version }) };
}
