import { VERSION } from '../../version.js';
import type { Command } from './types.js';

export const version: Command = {
  name: 'version',
  summary: 'print the version of ocm-ts',
  usage: 'version',
  options: {},
  async run(ctx) {
    ctx.out(`ocm-ts ${VERSION}\n`);
    return 0;
  },
};
