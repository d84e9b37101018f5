import { VERSION } from '../../version.js';
import type { Context } from '../context.js';

export async function runVersion(ctx: Context): Promise<number> {
  ctx.out(`ocm-ts ${VERSION}\n`);
  return 0;
}
