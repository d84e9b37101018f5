export * from './descriptor.js';
export * from './digest.js';
export * from './errors.js';
export * from './manifest.js';
export * from './mediatype.js';
export * from './reference.js';
