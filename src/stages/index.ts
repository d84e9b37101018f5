/** The stages layer (DESIGN 8): what aliases are for. A list of re-exports only. */
export * from './history/index.js';
