/**
 * Child of bench/registry-transfer.ts: pushes a generated blob of SIZE bytes (digest DIGEST) to
 * HOST as a stream, never held in memory, and prints one JSON line with the RSS it saw.
 * Usage: node --import tsx bench/registry-push-child.ts HOST SIZE DIGEST
 */
import { Readable } from 'node:stream';
import { RegistryStore } from '../src/registry/index.js';
import { generate } from './registry-generate.js';

const [host, sizeText, digest] = process.argv.slice(2);
const size = Number(sizeText);

let peak = 0;
const sample = () => {
  peak = Math.max(peak, process.memoryUsage().rss);
};
const baselineRss = process.memoryUsage().rss;
const timer = setInterval(sample, 20);
const store = new RegistryStore({ host: host! });
const started = performance.now();
await store
  .repository('bench/big')
  .push(
    { mediaType: 'application/octet-stream', digest: digest!, size },
    Readable.from(generate(size), { objectMode: false, highWaterMark: 1024 * 1024 }),
  );
const seconds = (performance.now() - started) / 1000;
await store.close();
clearInterval(timer);
sample();
console.log(
  JSON.stringify({ baselineRss, peakRssBytes: peak, maxRssKiB: process.resourceUsage().maxRSS, seconds }),
);
