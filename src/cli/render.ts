export type OutputFormat = 'table' | 'yaml' | 'json';
export const outputFormats: readonly OutputFormat[] = ['table', 'yaml', 'json'];

/** A plain aligned table: headers in capitals, two spaces between columns, no trailing blanks. */
export function table(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return `${[line(headers), ...rows.map(line)].join('\n')}\n`;
}

/** Data for scripts: JSON with two-space indent and a final newline; key order as built. */
export function json(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

export async function yaml(value: unknown, options: { goStyle?: boolean } = {}): Promise<string> {
  if (options.goStyle) return (await import('../descriptor/serialise.js')).toGoYaml(value);
  return (await import('yaml')).default.stringify(value, { lineWidth: 0 });
}

/** A one-line progress display on a terminal; does nothing elsewhere. */
export class Progress {
  readonly #write: ((text: string) => void) | undefined;
  readonly #columns: number;
  #last = 0;
  #shown = false;

  constructor(write: ((text: string) => void) | undefined, columns = 80) {
    this.#write = write;
    this.#columns = columns;
  }

  update(text: string, force = false): void {
    if (!this.#write) return;
    const now = Date.now();
    if (!force && now - this.#last < 100) return;
    this.#last = now;
    this.#shown = true;
    this.#write(`\r${text.slice(0, this.#columns - 1).padEnd(this.#columns - 1)}`);
  }

  done(): void {
    if (this.#write && this.#shown) this.#write(`\r${' '.repeat(this.#columns - 1)}\r`);
    this.#shown = false;
  }
}

export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${u === 0 ? v : v.toFixed(1)} ${units[u]}`;
}
