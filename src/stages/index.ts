/** The stages layer: what aliases are for. A list of re-exports only. */
export * from './history/index.js';
