/**
 * The board's column order (docs/board.md), with no imports: the server and the page (built for
 * browsers) both order columns with it.
 */

/** The conventional stages, in promotion order, used where no stages policy gives an order. */
export const CONVENTIONAL_STAGES = ['dev', 'qa', 'test', 'staging', 'prod'] as const;

/**
 * Column order: every policy's order is kept (stage after stage), the conventional order (dev, qa,
 * test, staging, prod) fills in where the policies do not say and do not disagree, and the other
 * stages follow alphabetically. Ties go to the stage named first (policies, then conventional).
 */
export function orderStages(
  present: Iterable<string>,
  policies: readonly (readonly string[])[] = [],
): string[] {
  const all = new Set(present);
  for (const p of policies) for (const s of p) all.add(s);
  const priority: string[] = [];
  const rank = new Map<string, number>();
  const add = (s: string) => {
    if (!rank.has(s)) {
      rank.set(s, priority.length);
      priority.push(s);
    }
  };
  for (const p of policies) for (const s of p) add(s);
  for (const s of CONVENTIONAL_STAGES) if (all.has(s)) add(s);
  for (const s of [...all].sort()) add(s);
  const after = new Map<string, Set<string>>(priority.map((s) => [s, new Set<string>()]));
  const reaches = (from: string, to: string): boolean => {
    const seen = new Set<string>();
    const stack = [from];
    while (stack.length) {
      const s = stack.pop()!;
      if (s === to) return true;
      if (seen.has(s)) continue;
      seen.add(s);
      stack.push(...after.get(s)!);
    }
    return false;
  };
  const chain = (order: readonly string[]) => {
    for (let i = 1; i < order.length; i++) {
      const [a, b] = [order[i - 1]!, order[i]!];
      if (a !== b && !reaches(b, a)) after.get(a)!.add(b);
    }
  };
  for (const p of policies) chain(p);
  chain(CONVENTIONAL_STAGES.filter((s) => all.has(s)));
  const incoming = new Map<string, number>(priority.map((s) => [s, 0]));
  for (const next of after.values()) for (const s of next) incoming.set(s, incoming.get(s)! + 1);
  const order: string[] = [];
  const ready = priority.filter((s) => incoming.get(s) === 0);
  while (ready.length) {
    ready.sort((x, y) => rank.get(x)! - rank.get(y)!);
    const s = ready.shift()!;
    order.push(s);
    for (const n of after.get(s)!) {
      incoming.set(n, incoming.get(n)! - 1);
      if (incoming.get(n) === 0) ready.push(n);
    }
  }
  return order;
}
