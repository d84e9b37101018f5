// Preloaded by scripts/test.mjs into every test process (`--import`): gives each test and hook a
// time limit (see node-test.mjs).
import { register } from 'node:module';

register('./hooks.mjs', import.meta.url);
