import { fileURLToPath } from 'node:url';

/** Golden files from the Go OCM tools, with their provenance in test/fixtures/README.md. */
export const fixturesDir = fileURLToPath(new URL('../fixtures/', import.meta.url));
export const projectRoot = fileURLToPath(new URL('../../', import.meta.url));
