/**
 * Not-found errors that say what exists: a missing version or alias lists the component's versions
 * and aliases (one listing, on the failure path only), a missing resource the version's resources;
 * each with the nearest name when one is close.
 */
import { ComponentVersionNotFoundError, ElementNotFoundError } from '../repository/errors.js';
import { closest } from './args.js';
import type { Context } from './context.js';

const found = new WeakMap<Error, string>();
const SHOWN = 10;

function list(names: readonly string[]): string {
  return names.length === 0
    ? '(none)'
    : names.length > SHOWN
      ? `${names.slice(0, SHOWN).join(', ')}, ... (${names.length} in all)`
      : names.join(', ');
}

/** Learns, while the command's repository is still open, what exists where a name was not found. */
export async function explainNotFound(ctx: Context, err: unknown): Promise<void> {
  if (!(err instanceof ComponentVersionNotFoundError)) return;
  const opened = ctx.firstOpened();
  if (!opened) return;
  try {
    const { versions, aliases } = await opened.repository.listComponentVersionsAndAliases(err.component, {
      ...(ctx.io.signal ? { signal: ctx.io.signal } : {}),
    });
    const names = aliases.map((a) => a.alias);
    const guess = closest(err.requested, [...versions, ...names]);
    found.set(
      err,
      versions.length === 0
        ? `${err.component} has no versions here`
        : `${guess ? `did you mean "${guess}"? ` : ''}versions: ${list(versions)}; aliases: ${list(names)}`,
    );
  } catch {
    // Listing failed too: the plain error says enough.
  }
}

/** The hint for a not-found error: what exists, and the nearest name. */
export function notFoundHint(err: Error): string | undefined {
  if (err instanceof ElementNotFoundError) {
    const guess = err.identity.name === undefined ? undefined : closest(err.identity.name, err.names);
    return guess ? `did you mean "${guess}"? ${err.hint}` : err.hint;
  }
  return found.get(err);
}
