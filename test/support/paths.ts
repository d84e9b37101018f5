import { fileURLToPath } from 'node:url';

/** `../shared/fixtures` beside the project root (the layout CI and the sessions share). */
export const fixturesDir = fileURLToPath(new URL('../../../shared/fixtures/', import.meta.url));
export const projectRoot = fileURLToPath(new URL('../../', import.meta.url));
