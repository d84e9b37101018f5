import { type ParseArgsConfig, parseArgs } from 'node:util';
import { closest } from '../oci/nearest.js';
import { UsageError } from './io.js';

export { closest };

export type OptionSpec = NonNullable<ParseArgsConfig['options']>;

/** Flags every command takes. */
export const globalOptions = {
  help: { type: 'boolean', short: 'h' },
  debug: { type: 'boolean' },
  quiet: { type: 'boolean', short: 'q' },
  'plain-http': { type: 'boolean' },
  insecure: { type: 'boolean' },
  'ca-file': { type: 'string' },
  username: { type: 'string', short: 'u' },
  'password-stdin': { type: 'boolean' },
  'no-cache': { type: 'boolean' },
} as const satisfies OptionSpec;

export interface Parsed {
  readonly values: Record<string, string | boolean | string[] | undefined>;
  readonly positionals: string[];
}

/** Parses a command's arguments strictly; an unknown flag is a usage error with the closest known one. */
export function parse(args: readonly string[], options: OptionSpec): Parsed {
  const all = { ...globalOptions, ...options };
  try {
    const { values, positionals } = parseArgs({
      args: [...args],
      options: all,
      allowPositionals: true,
      strict: true,
    });
    return { values: values as Parsed['values'], positionals };
  } catch (err) {
    const message = (err as Error).message;
    const unknown = /Unknown option '(-{1,2}[^']+)'/.exec(message)?.[1];
    if (unknown) {
      const names = Object.keys(all).map((n) => `--${n}`);
      const guess = closest(unknown.replace(/=.*$/, ''), names);
      throw new UsageError(`unknown flag ${unknown}`, guess ? `did you mean ${guess}?` : undefined);
    }
    throw new UsageError(message.replace(/\. To specify a positional argument.*$/s, ''));
  }
}

export function str(values: Parsed['values'], name: string): string | undefined {
  const v = values[name];
  return typeof v === 'string' ? v : undefined;
}

export function flag(values: Parsed['values'], name: string): boolean {
  return values[name] === true;
}

export function oneOf<T extends string>(
  values: Parsed['values'],
  name: string,
  allowed: readonly T[],
  fallback: T,
): T {
  const v = str(values, name) ?? fallback;
  if (!(allowed as readonly string[]).includes(v)) {
    throw new UsageError(`--${name} must be one of ${allowed.join(', ')}, not ${JSON.stringify(v)}`);
  }
  return v as T;
}
