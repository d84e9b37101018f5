import type { OptionSpec, Parsed } from '../args.js';
import type { Context } from '../context.js';

export interface Command {
  /** `verb` or `verb noun` in canonical form, e.g. `get cv`. */
  readonly name: string;
  readonly summary: string;
  /** Usage lines after `ocm `, and the option help. */
  readonly usage: string;
  readonly options: OptionSpec;
  /** The implementation, imported on first use. */
  load(): Promise<(ctx: Context, args: Parsed) => Promise<number>>;
}
