export * from './guards.js';
export * from './memory.js';
export * from './read.js';
export type * from './storage.js';
