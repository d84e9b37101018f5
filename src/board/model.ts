/**
 * The stage board's data model and its pure rules (docs/board.md): which columns, in which order,
 * and where a stage lags the one before it. No I/O here.
 */
import { compareVersions } from '../descriptor/index.js';

export type { Board, BoardComponent, BoardRepository, StageCell } from './api.js';

/** The conventional stages, in promotion order, used where no stages policy gives an order. */
export const CONVENTIONAL_STAGES = ['dev', 'qa', 'test', 'staging', 'prod'] as const;

/**
 * Column order: the stages of policies first (each policy's order, merged in the order the
 * components come), then the conventional stages present, then the rest alphabetically.
 */
export function orderStages(
  present: Iterable<string>,
  policies: readonly (readonly string[])[] = [],
): string[] {
  const seen = new Set<string>();
  const order: string[] = [];
  const add = (s: string) => {
    if (!seen.has(s)) {
      seen.add(s);
      order.push(s);
    }
  };
  for (const policy of policies) for (const s of policy) add(s);
  const all = new Set(present);
  for (const s of CONVENTIONAL_STAGES) if (all.has(s)) add(s);
  for (const s of [...all].sort()) add(s);
  return order;
}

/**
 * The stage each stage is fed from: the policy's `from` where given, else the nearest earlier column
 * the component has.
 */
export function feedingStages(
  columns: readonly string[],
  present: ReadonlySet<string>,
  from: Readonly<Record<string, string | undefined>> = {},
): Map<string, string> {
  const feeds = new Map<string, string>();
  let previous: string | undefined;
  for (const stage of columns) {
    if (!present.has(stage)) continue;
    const source = from[stage] ?? previous;
    if (source !== undefined && present.has(source)) feeds.set(stage, source);
    previous = stage;
  }
  return feeds;
}

/**
 * A stage lags when the stage that feeds it holds a higher version (by OCM version order). A stage
 * ahead of its feeder (a hotfix) or level with it does not lag.
 */
export function lagOf(
  cell: { version: string; digest: string },
  feeder: { version: string; digest: string },
) {
  if (cell.digest === feeder.digest) return false;
  try {
    return compareVersions(feeder.version, cell.version) > 0;
  } catch {
    return cell.version !== feeder.version;
  }
}
