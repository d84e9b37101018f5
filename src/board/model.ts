/**
 * The stage board's data model and its pure rules (docs/board.md): which columns, in which order,
 * and where a stage lags the one before it. No I/O here.
 */
import { compareVersions } from '../descriptor/index.js';

export type { Board, BoardComponent, BoardRepository, StageCell } from './api.js';

export { CONVENTIONAL_STAGES, orderStages } from './columns.js';

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
