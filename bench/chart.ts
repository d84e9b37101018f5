/**
 * A small log-log line chart as plain SVG text: no browser, no charting library.
 */

export interface Series {
  readonly name: string;
  readonly color: string;
  readonly points: readonly { readonly x: number; readonly y: number }[];
  readonly dashed?: boolean;
  /** Point labels under the points instead of above (for the lower of two close series). */
  readonly labelBelow?: boolean;
  /** No value labels at the points (when they would collide with another series'). */
  readonly hideLabels?: boolean;
}

export interface ChartOptions {
  readonly title: string;
  readonly subtitle?: string;
  readonly xLabel: string;
  readonly yLabel: string;
  readonly series: readonly Series[];
  readonly width?: number;
  readonly height?: number;
  /** Short texts written at the top of the plot above an x value (e.g. the ratio there). */
  readonly notes?: readonly { readonly x: number; readonly text: string }[];
  /** Formats a y value for the point labels. */
  readonly formatY?: (y: number) => string;
}

const esc = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

const decades = (lo: number, hi: number) => {
  const out: number[] = [];
  for (let e = Math.floor(Math.log10(lo)); e <= Math.ceil(Math.log10(hi)); e++) out.push(10 ** e);
  return out;
};

const tickLabel = (v: number) =>
  v >= 1000 ? `${(v / 1000).toLocaleString('en-US')}k` : v < 1 ? String(v) : v.toLocaleString('en-US');

export function logLogChart(o: ChartOptions): string {
  const width = o.width ?? 960;
  const height = o.height ?? 460;
  const m = { left: 78, right: 300, top: 78, bottom: 58 };
  const pw = width - m.left - m.right;
  const ph = height - m.top - m.bottom;
  const all = o.series.flatMap((s) => s.points).filter((p) => p.x > 0 && p.y > 0);
  if (all.length === 0) {
    return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="80"><text x="10" y="40" font-family="sans-serif">${esc(o.title)}: no data</text></svg>\n`;
  }
  const xs = decades(Math.min(...all.map((p) => p.x)), Math.max(...all.map((p) => p.x)));
  // Headroom above the highest point for its label.
  const ys = decades(Math.min(...all.map((p) => p.y)), Math.max(...all.map((p) => p.y)) * 2);
  // A little room left and right, so the first and last points and their notes clear the axes.
  const [x0, x1] = [Math.log10(xs[0]!) - 0.12, Math.log10(xs[xs.length - 1]!) + 0.12];
  const [y0, y1] = [Math.log10(ys[0]!), Math.log10(ys[ys.length - 1]!)];
  const px = (x: number) => m.left + ((Math.log10(x) - x0) / (x1 - x0 || 1)) * pw;
  const py = (y: number) => m.top + ph - ((Math.log10(y) - y0) / (y1 - y0 || 1)) * ph;
  const fy = o.formatY ?? ((y: number) => y.toPrecision(3));
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif" font-size="12">`,
    `<title>${esc(o.title)}</title>`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="${m.left}" y="26" font-size="16" font-weight="bold">${esc(o.title)}</text>`,
  );
  if (o.subtitle) out.push(`<text x="${m.left}" y="46" fill="#555">${esc(o.subtitle)}</text>`);
  // Grid: decades, with 2 and 5 as faint lines.
  for (const d of ys) {
    for (const k of [1, 2, 5]) {
      const v = d * k;
      if (v > ys[ys.length - 1]!) continue;
      const y = py(v).toFixed(1);
      out.push(
        `<line x1="${m.left}" y1="${y}" x2="${m.left + pw}" y2="${y}" stroke="${k === 1 ? '#ccc' : '#eee'}"/>`,
      );
      if (k === 1)
        out.push(
          `<text x="${m.left - 8}" y="${y}" text-anchor="end" dominant-baseline="middle">${tickLabel(v)}</text>`,
        );
    }
  }
  for (const d of xs) {
    const x = px(d).toFixed(1);
    out.push(`<line x1="${x}" y1="${m.top}" x2="${x}" y2="${m.top + ph}" stroke="#ccc"/>`);
    out.push(`<text x="${x}" y="${m.top + ph + 18}" text-anchor="middle">${tickLabel(d)}</text>`);
  }
  out.push(
    `<rect x="${m.left}" y="${m.top}" width="${pw}" height="${ph}" fill="none" stroke="#888"/>`,
    `<text x="${m.left + pw / 2}" y="${height - 14}" text-anchor="middle">${esc(o.xLabel)}</text>`,
    `<text transform="translate(18 ${m.top + ph / 2}) rotate(-90)" text-anchor="middle">${esc(o.yLabel)}</text>`,
  );
  for (const n of o.notes ?? []) {
    if (!(n.x > 0)) continue;
    out.push(
      `<text x="${px(n.x).toFixed(1)}" y="${m.top - 6}" text-anchor="middle" font-size="11" font-weight="bold" fill="#333">${esc(n.text)}</text>`,
    );
  }
  o.series.forEach((s, i) => {
    const pts = s.points.filter((p) => p.x > 0 && p.y > 0).sort((a, b) => a.x - b.x);
    const path = pts.map((p) => `${px(p.x).toFixed(1)},${py(p.y).toFixed(1)}`).join(' ');
    out.push(
      `<polyline points="${path}" fill="none" stroke="${s.color}" stroke-width="2.5"${s.dashed ? ' stroke-dasharray="6 4"' : ''}/>`,
    );
    for (const p of pts) {
      const [cx, cy] = [px(p.x), py(p.y)];
      out.push(`<circle cx="${cx.toFixed(1)}" cy="${cy.toFixed(1)}" r="4" fill="${s.color}"/>`);
      if (!s.hideLabels)
        out.push(
          `<text x="${(cx + 6).toFixed(1)}" y="${(s.labelBelow ? cy + 15 : cy - 7).toFixed(1)}" font-size="10" fill="${s.color}">${esc(fy(p.y))}</text>`,
        );
    }
    const ly = m.top + 10 + i * 22;
    const lx = m.left + pw + 16;
    out.push(
      `<line x1="${lx}" y1="${ly}" x2="${lx + 22}" y2="${ly}" stroke="${s.color}" stroke-width="2.5"${s.dashed ? ' stroke-dasharray="6 4"' : ''}/>`,
      `<text x="${lx + 28}" y="${ly}" dominant-baseline="middle">${esc(s.name)}</text>`,
    );
  });
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
