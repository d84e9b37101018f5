export { CtfRepository, CtfStore } from './store.js';
